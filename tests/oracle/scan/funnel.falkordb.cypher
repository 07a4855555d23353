// name: funnel
// FalkorDB variant of funnel.cypher (same header, parameters and answer); only the block between
// `// order:` and `// end order` differs (tests/integration/test_journey_analytics.py checks it).

MATCH (c:Customer)
WHERE c.merged_into IS NULL AND NOT 'analytics' IN coalesce(c.refused, [])

// 1. per customer, the events that matter (those matching a step or hitting a friction) in (ts, event_id) order,
//    each as [ts, event_id, matched step indexes, frictions, channel]; only the customer is a grouping key. Only a
//    step's given keys are read, as [key, value] pairs made once (x[k]: FalkorDB pays for every property, test and
//    map lookup per event; a null property never equals; a key given as null counts as absent)
WITH c, [step IN $steps | [key IN keys(step) WHERE step[key] IS NOT NULL | [key, step[key]]]] AS matchers
MATCH (c)-[:PERFORMED]->(x:Interaction)
WITH c, x, [k IN range(0, size(matchers) - 1) WHERE all(m IN matchers[k] WHERE x[m[0]] = m[1])] AS matched
WHERE size(matched) > 0 OR x.frictions IS NOT NULL
// order: each customer's events in (ts, event_id) order, sorted per customer (list.sort orders lists element by
// element): a global ORDER BY of every event costs FalkorDB 4.16 more than the rest of the query
WITH c, list.sort(collect([x.ts, x.id, matched, coalesce(x.frictions, []), x.channel])) AS ev
// end order
WITH c, ev,
     [a IN range(0, size(ev) - 1) WHERE 0 IN ev[a][2] AND ($since IS NULL OR ev[a][0] >= $since)
                                   AND ($until IS NULL OR ev[a][0] < $until)] AS candidates
WHERE size(candidates) > 0
// the persona assignments, only when a persona or the persona breakdown asks (a pattern comprehension, not
// OPTIONAL MATCH + collect: that would make the event list a grouping key)
WITH ev, candidates,
     CASE WHEN $persona IS NOT NULL OR $breakdown = 'PERSONA' THEN [(c)-[s:SHOWS]->(p:Persona) | [p.code, s]]
          ELSE [] END AS spans
WITH size($steps) AS n, $windowDays * 86400000 AS window, ev, spans,
     [a IN candidates WHERE $persona IS NULL OR any(x IN spans WHERE x[0] = $persona
        AND x[1].weight > 0 AND (x[1].since IS NULL OR x[1].since <= ev[a][0])  // rule: shows-persona-at(s=x[1], t=ev[a][0])
        AND (x[1].until IS NULL OR ev[a][0] < x[1].until))] AS entries
WHERE size(entries) > 0

// 2. the chain from each entry (for each next step, the first later event that matches it within the window);
//    attempt = the first entry's chain of the greatest length (once one reaches every step, no later entry can
//    beat it, so the later ones are not followed)
//    (the events' ts and matched steps as lists of their own, and the window applied first: ~0.6 s less of ~9 s at 1M)
WITH n, window, ev, spans, entries, [e IN ev | e[0]] AS ts, [e IN ev | e[2]] AS matches
WITH n, window, ev, spans,
     reduce(best = [], a IN entries | CASE WHEN size(best) = n THEN best ELSE
       head([chain IN [reduce(chain = [a], b IN [b IN range(a + 1, size(ts) - 1) WHERE ts[b] <= ts[a] + window] |
               CASE WHEN size(chain) < n AND size(chain) IN matches[b] THEN chain + [b] ELSE chain END)]
             WHERE size(chain) > size(best)] + [best]) END) AS attempt
WITH n, window, ev, spans, attempt, size(attempt) AS level, [b IN attempt | ev[b][0] - ev[attempt[0]][0]] AS fromEntry,
     ev[attempt[0]][0] AS entryTs

// 3. breakdown keys and, per step k < n reached, the frictions hit from the k-th match up to the next one (or, with
//    no next one, up to the end of the window)
WITH n, level, fromEntry,
     CASE $breakdown
       WHEN 'CHANNEL' THEN [ev[attempt[0]][4]]
       WHEN 'PERSONA' THEN reduce(keys = [], x IN spans |
         CASE WHEN x[1].weight > 0 AND (x[1].since IS NULL OR x[1].since <= entryTs)  // rule: shows-persona-at(s=x[1], t=entryTs)
                   AND (x[1].until IS NULL OR entryTs < x[1].until) AND NOT x[0] IN keys
              THEN keys + [x[0]] ELSE keys END)
       ELSE [] END AS keys,
     [k IN range(1, CASE WHEN level < n THEN level ELSE n - 1 END) |
        [k, CASE WHEN level = k THEN 1 ELSE 0 END,
         reduce(hit = [], b IN range(attempt[k - 1], CASE WHEN level > k THEN attempt[k] - 1 ELSE size(ev) - 1 END) |
           CASE WHEN ev[b][0] <= entryTs + window THEN hit + [f IN ev[b][3] WHERE NOT f IN hit] ELSE hit END)]]
       AS reached

// 4. one fact per counted thing, then the counts (a customer who is no persona at entry is in the null group)
WITH n, level, fromEntry, reached,
     CASE WHEN $breakdown = 'PERSONA' AND size(keys) = 0 THEN [null] ELSE keys END AS keys
// (each fact a list [kind, key, step, ms, dropped]: lists cost FalkorDB less than maps, ~0.7 s of ~9 s at 1M)
WITH [k IN range(1, level) | ['step', null, k, fromEntry[k - 1], 0]]
     + reduce(facts = [], key IN keys | facts + [k IN range(1, level) | ['group', key, k, fromEntry[k - 1], 0]])
     + [r IN reached | ['reach', null, r[0], null, r[1]]]
     + reduce(facts = [], r IN reached | facts + [f IN r[2] | ['hit', f, r[0], null, r[1]]]) AS facts
UNWIND facts AS fact
WITH fact[0] AS kind, fact[1] AS key, fact[2] AS step, count(*) AS customers,
     toInteger(sum(fact[4])) AS dropped, percentileCont(fact[3], 0.5) AS medianMs
WHERE kind <> 'hit' OR customers >= $minHitters
RETURN kind, key, step, customers, dropped, medianMs
ORDER BY kind, key, step
