// frozen copy (main 933468d, after the one-home issue), run by tests/oracle/scan.py
// name: cx-by-channel
// CX metrics per channel over the period: interactions, distinct customers, average CSAT (1-5), CES (1-7) and
// NPS (0-10), the NPS score (% promoters 9-10 minus % detractors 0-6, among answers; null without answers), the
// share of negative experiences, the share of failed outcomes and the friction hits. Busiest channel first.
// Interactions of customers who refused `analytics` (in Customer.refused) are left out: docs/privacy.md.
// params:
//   since: datetime = null        start of the period (inclusive), epoch ms or RFC 3339; null = open
//   until: datetime = null        end of the period (exclusive), epoch ms or RFC 3339; null = open
// mode: read

MATCH (c:Customer)-[:PERFORMED]->(i:Interaction)
WHERE ($since IS NULL OR i.ts >= $since) AND ($until IS NULL OR i.ts < $until)
  AND NOT 'analytics' IN coalesce(c.refused, [])
WITH i.channel AS channel,
     count(i) AS interactions,
     count(DISTINCT i.customer_id) AS customers,
     avg(i.csat) AS avgCsat,
     avg(i.ces) AS avgCes,
     avg(i.nps) AS avgNps,
     count(i.nps) AS npsAnswers,
     sum(CASE WHEN i.nps >= 9 THEN 1 ELSE 0 END) AS promoters,
     sum(CASE WHEN i.nps <= 6 THEN 1 ELSE 0 END) AS detractors,
     sum(CASE WHEN i.experience = 'negative' THEN 1 ELSE 0 END) AS negatives,
     sum(CASE WHEN i.outcome = 'failure' THEN 1 ELSE 0 END) AS failures,
     toInteger(sum(size(coalesce(i.frictions, [])))) AS frictionHits
RETURN channel, interactions, customers, avgCsat, avgCes, avgNps,
       CASE WHEN npsAnswers > 0 THEN 100.0 * (promoters - detractors) / npsAnswers END AS nps,
       toFloat(negatives) / interactions AS negativeShare, toFloat(failures) / interactions AS failureShare,
       frictionHits
ORDER BY interactions DESC, channel
