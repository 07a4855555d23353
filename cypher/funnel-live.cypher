// name: funnel-live
// funnel read from the customers' live-state Timelines (docs/graph-model.md "Facts") instead of their interactions:
// the same rows for every argument, at a cost that grows with the events matching a step, not with every event of
// the history. A Timeline lists a customer's events in (ts, event_id) order by position: `ts`, `channels`, the
// `frictions` hit, and per value of a matcher key (and per friction) the positions holding it, named key=value with
// `%` and the backtick written %25 and %60 (the fragment timeline-position-name).
//
// How far customers get through a sequence of steps within a conversion window, by persona at entry or channel,
// and which frictions explain the drop after each step. Events are ordered by (ts, event_id). An entry event matches
// steps[1], lies in since <= ts < until and, with a persona, the customer is the persona at its ts (a SHOWS with
// weight > 0, since <= ts or no since, ts < until or no until). From an entry e the chain takes, for each next step,
// the first event after the previous match that matches it with ts <= e.ts + windowDays days (in any journey, even
// after `until`); it stops at the first step without a match. level(c) = the longest chain of c's entries;
// attempt(c) = c's first entry with that chain. A step matcher is a map with some of the keys touchpoint, type,
// stage, channel, outcome; an event matches when each given key's interaction property is not null and equals it
// (a key given as null counts as absent).
// Customers who refused `analytics` (in Customer.refused) are left out: docs/privacy.md.
// One row per count (the rates, medians and intervals the API shows are derived from them in graph.analytics):
//   kind 'step':  step k, customers with level >= k, medianMs = median of (k-th match - entry) ts in their attempt
//   kind 'group': the same per breakdown key (the personas the customer is at the attempt's entry, null for none;
//                 or the attempt's channel)
//   kind 'reach': step k < n, customers with level >= k, dropped = those with level = k
//   kind 'hit':   step k, friction `key`, customers with level >= k who hit it in their window after the k-th match
//                 (up to the next match, or to the end of the conversion window when there is none), dropped = those
//                 of them with level = k; only frictions with at least minHitters hitters
// params:
//   steps: list                   step matchers in order, 2 to 10, e.g. [{touchpoint: 'product_page'}, {type: 'purchase'}]
//   persona: Persona.code = null  persona code the customer must be at entry; null = every customer
//   windowDays: int = 14          days after the entry in which the later steps count (0 to 365)
//   since: datetime = null        the entry's period start (inclusive), epoch ms or RFC 3339; null = open
//   until: datetime = null        the entry's period end (exclusive), epoch ms or RFC 3339; null = open
//   breakdown: string = null      'PERSONA', 'CHANNEL' or null (no groups)
//   minHitters: int = 1           leave out frictions with fewer hitters at a step
// returns: medianMs: duration
// mode: read

MATCH (c:Customer)-[:HAS_TIMELINE]->(t:Timeline)
WHERE c.merged_into IS NULL AND NOT 'analytics' IN coalesce(c.refused, [])
WITH c, t, t.ts AS ts,
     [step IN $steps | [key IN keys(step) WHERE step[key] IS NOT NULL |
                         key + '=' + replace(replace(step[key], '%', '%25'), '`', '%60')]]  // rule: timeline-position-name(k=key, v=step[key])
       AS matchers
// 1. per step the positions of the events matching it: those of its first key's value that every other key's list
//    holds too; the entries: the first step's positions in [since, until)
WITH c, t, ts,
     [m IN matchers | [p IN coalesce(t[m[0]], []) WHERE all(name IN tail(m) WHERE p IN coalesce(t[name], []))]] AS at
WITH c, t, ts, at,
     [a IN at[0] WHERE ($since IS NULL OR ts[a] >= $since) AND ($until IS NULL OR ts[a] < $until)] AS candidates
WHERE size(candidates) > 0
// the persona assignments, only when a persona or the persona breakdown asks
WITH t, ts, at, candidates,
     CASE WHEN $persona IS NOT NULL OR $breakdown = 'PERSONA' THEN [(c)-[s:SHOWS]->(p:Persona) | [p.code, s]]
          ELSE [] END AS spans
WITH size($steps) AS n, $windowDays * 86400000 AS window, t, ts, at, spans,
     [a IN candidates WHERE $persona IS NULL OR any(x IN spans WHERE x[0] = $persona
        AND x[1].weight > 0 AND (x[1].since IS NULL OR x[1].since <= ts[a])  // rule: shows-persona-at(s=x[1], t=ts[a])
        AND (x[1].until IS NULL OR ts[a] < x[1].until))] AS entries
WHERE size(entries) > 0

// 2. the chain from each entry: for each next step its first position after the previous match within the window;
//    attempt = the first entry's chain of the greatest length (one that reaches every step ends the search)
WITH n, window, t, ts, spans,
     reduce(best = [], a IN entries | CASE WHEN size(best) = n THEN best ELSE
       head([chain IN [reduce(chain = [a], k IN range(1, n - 1) | CASE WHEN size(chain) = k
               THEN chain + [q IN [head([q IN at[k] WHERE q > chain[k - 1] AND ts[q] <= ts[a] + window])] WHERE q IS NOT NULL]
               ELSE chain END)]
             WHERE size(chain) > size(best)] + [best]) END) AS attempt
WITH n, window, t, ts, spans, attempt, size(attempt) AS level, [b IN attempt | ts[b] - ts[attempt[0]]] AS fromEntry,
     ts[attempt[0]] AS entryTs

// 3. breakdown keys and, per step k < n reached, the frictions hit from the k-th match up to the next one (or, with
//    no next one, up to the end of the window)
WITH n, level, fromEntry,
     CASE $breakdown
       WHEN 'CHANNEL' THEN [CASE WHEN t.channels[attempt[0]] = '' THEN null ELSE t.channels[attempt[0]] END]
       WHEN 'PERSONA' THEN reduce(keys = [], x IN spans |
         CASE WHEN x[1].weight > 0 AND (x[1].since IS NULL OR x[1].since <= entryTs)  // rule: shows-persona-at(s=x[1], t=entryTs)
                   AND (x[1].until IS NULL OR entryTs < x[1].until) AND NOT x[0] IN keys
              THEN keys + [x[0]] ELSE keys END)
       ELSE [] END AS keys,
     [k IN range(1, CASE WHEN level < n THEN level ELSE n - 1 END) |
        [k, CASE WHEN level = k THEN 1 ELSE 0 END,
         [f IN coalesce(t.frictions, []) WHERE any(p IN t[
            'friction' + '=' + replace(replace(f, '%', '%25'), '`', '%60')]  // rule: timeline-position-name(k='friction', v=f)
            WHERE p >= attempt[k - 1] AND (level <= k OR p < attempt[k]) AND ts[p] <= entryTs + window)]]]
       AS reached

// 4. one fact per counted thing, then the counts (a customer who is no persona at entry is in the null group)
WITH n, level, fromEntry, reached,
     CASE WHEN $breakdown = 'PERSONA' AND size(keys) = 0 THEN [null] ELSE keys END AS keys
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
