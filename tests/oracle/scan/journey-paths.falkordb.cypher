// frozen copy (main 933468d, after the one-home issue), run by tests/oracle/scan.py
// name: journey-paths
// FalkorDB variant of journey-paths.cypher (same header, parameters and answer); only the blocks between
// `// order:` and `// end order` differ (tests/integration/test_journey_analytics.py checks it).

// A. paths from or to a step: the anchors are the events matching `start` (or, without it, `end`)
WITH CASE WHEN $start IS NOT NULL THEN $start ELSE $end END AS m
MATCH (a:Interaction)
WHERE m IS NOT NULL AND ($since IS NULL OR a.ts >= $since) AND ($until IS NULL OR a.ts < $until)
  AND (m.touchpoint IS NULL OR a.touchpoint = m.touchpoint) AND (m.type IS NULL OR a.type = m.type)
  AND (m.stage IS NULL OR a.stage = m.stage) AND (m.channel IS NULL OR a.channel = m.channel)
  AND (m.outcome IS NULL OR a.outcome = m.outcome)
MATCH (c:Customer)-[:PERFORMED]->(a)
WHERE c.merged_into IS NULL AND NOT 'analytics' IN coalesce(c.refused, [])
WITH c, a, [(c)-[s:SHOWS]->(:Persona {code: $persona}) | s] AS spans
WITH c, a, $persona IS NULL OR any(s IN spans WHERE s.weight > 0 AND (s.since IS NULL OR s.since <= a.ts)  // rule: shows-persona-at(s=s, t=a.ts)
                                                     AND (s.until IS NULL OR a.ts < s.until)) AS asPersona
WHERE asPersona
// the anchor's neighbourhood in its journey: the events a path from (or to) it may hold, in order
MATCH (j:Journey)-[inc:INCLUDES]->(a)
MATCH (j)-[near:INCLUDES]->(x:Interaction)
WHERE ($start IS NOT NULL AND near.seq >= inc.seq AND near.seq < inc.seq + $maxSteps)
   OR ($start IS NULL AND near.seq <= inc.seq AND near.seq > inc.seq - $maxSteps)
WITH c, a, near.seq AS seq, x.touchpoint AS label, x.ts AS ts,
     $end IS NOT NULL AND (x.touchpoint = $end.touchpoint OR $end.touchpoint IS NULL)
       AND (x.type = $end.type OR $end.type IS NULL) AND (x.stage = $end.stage OR $end.stage IS NULL)
       AND (x.channel = $end.channel OR $end.channel IS NULL)
       AND (x.outcome = $end.outcome OR $end.outcome IS NULL) AS isEnd
// order: the neighbourhood in seq order, sorted per anchor (a global ORDER BY costs FalkorDB 4.16 more)
WITH c, a, list.sort(collect([seq, label, ts, isEnd])) AS near
// end order
// with both matchers the path ends at the first later event matching `end` (index 0 is the anchor itself)
WITH c, near,
     CASE WHEN $start IS NOT NULL AND $end IS NOT NULL
          THEN head([k IN range(1, size(near) - 1) WHERE near[k][3]]) END AS endAt
WHERE $start IS NULL OR $end IS NULL OR endAt IS NOT NULL
WITH c.id AS customer, CASE WHEN endAt IS NULL THEN near ELSE near[0..endAt + 1] END AS path
WITH customer, [e IN path | e[1]] AS labels, [e IN path | e[2]] AS times
// ranking and transitions of the kept paths (each row: customer, labels, times): one fact per path and one per
// consecutive pair of each path, aggregated once (a second aggregation would carry the first one's lists as keys)
UNWIND [{kind: 'sequence', steps: labels, customer: customer, gap: null}]
       + [k IN range(0, size(labels) - 2) | {kind: 'transition', steps: [labels[k], labels[k + 1]], customer: null,
                                             gap: times[k + 1] - times[k]}] AS fact
WITH fact.kind AS kind, fact.steps AS steps, count(*) AS occurrences, count(DISTINCT fact.customer) AS customers,
     percentileCont(fact.gap, 0.5) AS medianMs
ORDER BY kind, occurrences DESC, steps
WITH kind, collect({steps: steps, occurrences: occurrences, customers: customers, medianMs: medianMs}) AS rows,
     toInteger(sum(occurrences)) AS total
RETURN kind, CASE WHEN kind = 'sequence' THEN rows[0..$limit] ELSE rows END AS rows, total
UNION
// B. whole journeys (no matcher): one path per journey, anchored at its first event (the journey's start_ts)
MATCH (c:Customer)
WHERE $start IS NULL AND $end IS NULL AND c.merged_into IS NULL AND NOT 'analytics' IN coalesce(c.refused, [])
WITH c, [(c)-[s:SHOWS]->(:Persona {code: $persona}) | s] AS spans
WHERE $persona IS NULL OR size(spans) > 0
MATCH (c)-[:TOOK]->(j:Journey)
WITH c, j, ($since IS NULL OR j.start_ts >= $since) AND ($until IS NULL OR j.start_ts < $until)
     AND ($persona IS NULL OR any(s IN spans WHERE s.weight > 0 AND (s.since IS NULL OR s.since <= j.start_ts)  // rule: shows-persona-at(s=s, t=j.start_ts)
                                                  AND (s.until IS NULL OR j.start_ts < s.until))) AS counted
WHERE counted
MATCH (j)-[inc:INCLUDES]->(x:Interaction)
WITH j, inc.seq AS seq, x.touchpoint AS label, x.ts AS ts
// order: each journey's events in seq order, sorted per journey (a global ORDER BY costs FalkorDB 4.16 more)
WITH j, list.sort(collect([seq, label, ts])) AS path
// end order
WITH j.customer_id AS customer, [e IN path | e[1]] AS labels, [e IN path | e[2]] AS times
// ranking and transitions of the kept paths (each row: customer, labels, times): one fact per path and one per
// consecutive pair of each path, aggregated once (a second aggregation would carry the first one's lists as keys)
UNWIND [{kind: 'sequence', steps: labels, customer: customer, gap: null}]
       + [k IN range(0, size(labels) - 2) | {kind: 'transition', steps: [labels[k], labels[k + 1]], customer: null,
                                             gap: times[k + 1] - times[k]}] AS fact
WITH fact.kind AS kind, fact.steps AS steps, count(*) AS occurrences, count(DISTINCT fact.customer) AS customers,
     percentileCont(fact.gap, 0.5) AS medianMs
ORDER BY kind, occurrences DESC, steps
WITH kind, collect({steps: steps, occurrences: occurrences, customers: customers, medianMs: medianMs}) AS rows,
     toInteger(sum(occurrences)) AS total
RETURN kind, CASE WHEN kind = 'sequence' THEN rows[0..$limit] ELSE rows END AS rows, total
