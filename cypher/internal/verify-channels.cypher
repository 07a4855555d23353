// name: verify-channels
// dtc verify's scan: cx-by-channel's sums per channel over the interactions of the customers of $ids that do not
// refuse analytics.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

MATCH (c:Customer)-[:PERFORMED]->(i:Interaction)
WHERE c.id IN $ids AND NOT 'analytics' IN coalesce(c.refused, [])
RETURN i.channel AS channel, count(i) AS interactions, count(DISTINCT i.customer_id) AS customers,
       sum(i.csat) AS csat_sum, count(i.csat) AS csat_count, sum(i.ces) AS ces_sum, count(i.ces) AS ces_count,
       sum(i.nps) AS nps_sum, count(i.nps) AS nps_count, sum(CASE WHEN i.nps >= 9 THEN 1 ELSE 0 END) AS promoters,
       sum(CASE WHEN i.nps <= 6 THEN 1 ELSE 0 END) AS detractors,
       sum(CASE WHEN i.experience = 'negative' THEN 1 ELSE 0 END) AS negatives,
       sum(CASE WHEN i.outcome = 'failure' THEN 1 ELSE 0 END) AS failures,
       sum(size(coalesce(i.frictions, []))) AS friction_hits
