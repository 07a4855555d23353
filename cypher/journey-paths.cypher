// name: journey-paths
// Paths from and to a step, the way process-mining tools show them. A path lies inside one journey, in
// (ts, event_id) order (INCLUDES seq, which NEXT follows). With `start` only: each event s matching it gives s and
// the next maxSteps - 1 events of its journey (fewer at the journey's end). With `end` only: each event e matching it
// gives the maxSteps - 1 events before it and e. With both: each s gives s .. e, e the first later event of its
// journey matching `end`, when that path has at most maxSteps events (otherwise, or without an e, no path). With
// neither: each whole journey is one path anchored at its first event (maxSteps does not apply).
// The anchor (s, or e when only `end` is given) must lie in since <= ts < until and, with a persona, the customer
// must be the persona at its ts (a SHOWS with weight > 0, since <= ts or no since, ts < until or no until).
// A step matcher is a map with some of the keys touchpoint, type, stage, channel, outcome; an event matches when
// each given key's interaction property is not null and equals the value.
// Customers who refused `analytics` (in Customer.refused) are left out: docs/privacy.md.
// One row (none when there is no path): `sequences` (the top `limit` label lists, a step's label being its
// touchpoint code, with occurrences and distinct customers, by occurrences desc then labels ascending), `paths`
// (how many paths were kept) and `transitions` (every consecutive pair of every kept path, with occurrences and the
// median ms between the two events, by occurrences desc, then from, then to).
// params:
//   persona: Persona.code = null  persona code; null = every customer
//   start: map = null             step matcher of the first event, e.g. {touchpoint: 'checkout', outcome: 'failure'}
//   end: map = null               step matcher of the last event, e.g. {type: 'switch'}
//   maxSteps: int = 5             at most this many events per path (2 to 10), when a matcher is given
//   since: datetime = null        the anchor's period start (inclusive), epoch ms or RFC 3339; null = open
//   until: datetime = null        the anchor's period end (exclusive), epoch ms or RFC 3339; null = open
//   limit: int = 10               at most this many sequences (the transitions are all returned)
// returns: transitions.medianMs: duration
// mode: read

MATCH (c:Customer)
WHERE c.merged_into IS NULL AND ($persona IS NULL OR (c)-[:SHOWS]->(:Persona {code: $persona}))
  AND NOT 'analytics' IN coalesce(c.refused, [])
OPTIONAL MATCH (c)-[s:SHOWS]->(:Persona {code: $persona})
WHERE s.weight > 0
WITH c, collect(CASE WHEN s IS NOT NULL THEN [s.since, s.until] END) AS spans
MATCH (c)-[:TOOK]->(j:Journey)-[inc:INCLUDES]->(a:Interaction)
WHERE ($since IS NULL OR a.ts >= $since) AND ($until IS NULL OR a.ts < $until)
WITH c, spans, j, inc.seq AS anchorSeq, a,
     CASE WHEN $start IS NOT NULL THEN $start WHEN $end IS NOT NULL THEN $end END AS anchorMatcher
WITH c, spans, j, anchorSeq, a,
     CASE WHEN anchorMatcher IS NULL THEN anchorSeq = 1
          ELSE (anchorMatcher.touchpoint IS NULL OR a.touchpoint = anchorMatcher.touchpoint)
           AND (anchorMatcher.type IS NULL OR a.type = anchorMatcher.type)
           AND (anchorMatcher.stage IS NULL OR a.stage = anchorMatcher.stage)
           AND (anchorMatcher.channel IS NULL OR a.channel = anchorMatcher.channel)
           AND (anchorMatcher.outcome IS NULL OR a.outcome = anchorMatcher.outcome) END AS isAnchor,
     $persona IS NULL OR any(span IN spans WHERE (span[0] IS NULL OR span[0] <= a.ts)
                                               AND (span[1] IS NULL OR a.ts < span[1])) AS asPersona
WHERE isAnchor AND asPersona
// the anchor's neighbourhood in its journey: the events a path from (or to) it may hold
MATCH (j)-[near:INCLUDES]->(x:Interaction)
WHERE ($start IS NULL AND $end IS NULL)
   OR ($start IS NOT NULL AND near.seq >= anchorSeq AND near.seq < anchorSeq + $maxSteps)
   OR ($start IS NULL AND near.seq <= anchorSeq AND near.seq > anchorSeq - $maxSteps)
WITH c, a, near.seq AS seq, x
ORDER BY seq
WITH c, a,
     collect([x.touchpoint, x.ts,
              $end IS NOT NULL AND (x.touchpoint = $end.touchpoint OR $end.touchpoint IS NULL)
                AND (x.type = $end.type OR $end.type IS NULL) AND (x.stage = $end.stage OR $end.stage IS NULL)
                AND (x.channel = $end.channel OR $end.channel IS NULL)
                AND (x.outcome = $end.outcome OR $end.outcome IS NULL)]) AS near
// with both matchers the path ends at the first later event matching `end` (index 0 is the anchor itself)
WITH c, near,
     CASE WHEN $start IS NOT NULL AND $end IS NOT NULL
          THEN head([k IN range(1, size(near) - 1) WHERE near[k][2]]) END AS endAt
WHERE $start IS NULL OR $end IS NULL OR endAt IS NOT NULL
WITH c, CASE WHEN endAt IS NULL THEN near ELSE near[0..endAt + 1] END AS path
WITH c.id AS customer, [e IN path | e[0]] AS labels, [e IN path | e[1]] AS times
// one row per label list first, so no grouping key below ever holds the whole data set
WITH labels, count(*) AS occurrences, count(DISTINCT customer) AS customers, collect(times) AS timesOfPaths
ORDER BY occurrences DESC, labels
WITH collect({steps: labels, occurrences: occurrences, customers: customers}) AS ranked,
     collect([labels, timesOfPaths]) AS pathsByLabels, sum(occurrences) AS paths
WITH ranked[0..$limit] AS sequences, paths, pathsByLabels
UNWIND pathsByLabels AS byLabels
UNWIND byLabels[1] AS times
WITH sequences, paths, byLabels[0] AS labels, times
UNWIND (CASE WHEN size(times) < 2 THEN [null] ELSE range(0, size(times) - 2) END) AS k
WITH sequences, paths, labels[k] AS source, labels[k + 1] AS target, times[k + 1] - times[k] AS gap
WITH sequences, paths, source, target, count(gap) AS occurrences, percentileCont(gap, 0.5) AS medianMs
ORDER BY occurrences DESC, source, target
RETURN sequences, toInteger(paths) AS paths,
       collect(CASE WHEN source IS NOT NULL
                    THEN {from: source, to: target, occurrences: occurrences, medianMs: medianMs} END) AS transitions
