// name: journey-map-live
// journey-map over the whole history (no since/until), read from the live state (docs/graph-model.md "Live state")
// instead of the interactions: the same rows, at a cost that grows with the persona's (stage, touchpoint) cells, not
// with the history. MapStat holds per cell the interactions made while the customer was the persona, the distinct
// customers and journeys, the journeys that dropped there, the CSAT/CES sums and counts and the negative
// experiences; MapFrictionStat the friction hits per cell. Averages, shares, drop-off and the three most frequent
// frictions as journey-map computes them. Customers who refuse `analytics` are not counted (docs/privacy.md).
// params:
//   persona: Persona.code         persona code (required)
// mode: read

MATCH (m:MapStat {persona: $persona})
OPTIONAL MATCH (f:MapFrictionStat {persona: $persona, touchpoint: m.touchpoint})
WHERE f.stage = m.stage OR (f.stage IS NULL AND m.stage IS NULL)
WITH m, f
ORDER BY f.hits DESC, f.friction
WITH m, collect(CASE WHEN f IS NOT NULL THEN {friction: f.friction, count: f.hits} END)[0..3] AS topFrictions
ORDER BY m.interactions DESC, m.touchpoint
WITH m.stage AS stage,
     collect({touchpoint: m.touchpoint, interactions: m.interactions, customers: m.customers,
              avgCsat: CASE WHEN m.csat_count > 0 THEN m.csat_sum / toFloat(m.csat_count) END,
              avgCes: CASE WHEN m.ces_count > 0 THEN m.ces_sum / toFloat(m.ces_count) END,
              negativeShare: toFloat(m.negatives) / m.interactions, topFrictions: topFrictions,
              dropOff: toFloat(m.drops) / m.journeys}) AS touchpoints
OPTIONAL MATCH (st:Stage {name: stage})
RETURN stage, touchpoints
ORDER BY coalesce(st.order, 99), stage
