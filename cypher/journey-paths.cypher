// name: journey-paths
// How a persona's journeys flow, the way process-mining tools show it: the most frequent variants (touchpoint
// sequences of whole journeys, with how many journeys follow each and their share) and the directly-follows graph
// (each step from one touchpoint to the next, with its count and the median time between the two, in ms).
// A journey counts when the customer was the persona (SHOWS weight > 0, since <= t < until) when it started.
// Customers who refused `analytics` (in Customer.refused) are left out: docs/privacy.md.
// One row: {variants, edges}; none when the persona has no journeys.
// params:
//   persona: Persona.code         persona code (required)
//   limit: int = 10               at most this many variants (the edges are all returned)
// returns: edges.medianMs: duration
// mode: read

MATCH (:Persona {code: $persona})<-[s:SHOWS]-(c:Customer)
WHERE s.weight > 0
WITH c, collect([s.since, s.until]) AS spans
WHERE NOT 'analytics' IN coalesce(c.refused, [])  // here, not above: there FalkorDB would scan every Customer
MATCH (c)-[:TOOK]->(j:Journey)
// the persona test is projected first: FalkorDB 4.16 drops rows when any() over `spans` sits in MATCH ... WHERE
WITH j, any(span IN spans WHERE (span[0] IS NULL OR span[0] <= j.start_ts) AND (span[1] IS NULL OR j.start_ts < span[1]))
       AS asPersona
WHERE asPersona
MATCH (j)-[inc:INCLUDES]->(i:Interaction)
WITH j, inc.seq AS seq, i
ORDER BY j.id, seq
WITH j, collect(i.touchpoint) AS variant, collect(i.ts) AS times
WITH variant, [k IN range(0, size(variant) - 2) | [variant[k], variant[k + 1], times[k + 1] - times[k]]] AS steps
// one row per variant first, so no grouping key below ever holds the whole data set
WITH variant, count(*) AS times, collect(steps) AS stepLists
ORDER BY times DESC, variant
WITH collect({variant: variant, journeys: times}) AS ranked, collect(stepLists) AS stepListsByVariant,
     sum(times) AS journeys
WITH [v IN ranked[0..$limit] | {variant: v.variant, journeys: v.journeys, share: toFloat(v.journeys) / journeys}]
       AS variants, stepListsByVariant
UNWIND stepListsByVariant AS stepLists
UNWIND stepLists AS steps
UNWIND (CASE WHEN size(steps) = 0 THEN [null] ELSE steps END) AS step
WITH variants, step[0] AS source, step[1] AS target, step[2] AS gap
WITH variants, source, target, count(gap) AS times, percentileCont(gap, 0.5) AS medianMs
ORDER BY times DESC, source, target
RETURN variants,
       collect(CASE WHEN source IS NOT NULL THEN {source: source, target: target, count: times, medianMs: medianMs} END)
         AS edges
