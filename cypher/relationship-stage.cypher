// name: relationship-stage
// Each customer's CX CORE relationship stage, derived from its interactions and journeys. The first rule that
// holds wins:
//   stop      it has a 'switch' or 'churn' event and no 'purchase' after the latest one
//   backward  its latest journey (by start) has a negative experience (experience 'negative', type 'complaint' or
//             outcome 'failure'), or activity is declining: it has purchased before but not in its latest journey,
//             and that journey has fewer interactions than the one before it
//   forward   repeat purchase (two or more 'purchase' events) or advocacy (an event in the advocacy stage, or
//             NPS 9 or 10)
//   start     otherwise (no purchase yet, or a first purchase)
// `reason` names the rule that decided; `declared` is the stage the customer record declares, if any.
// params:
//   ids: list = null              customer ids; null = every customer
//   limit: int = 100000           at most this many customers (ordered by id)
// mode: read

MATCH (c:Customer)
WHERE $ids IS NULL OR c.id IN $ids
WITH c
ORDER BY c.id
LIMIT $limit
OPTIONAL MATCH (c)-[:TOOK]->(j:Journey)
WITH c, j
ORDER BY j.start_ts DESC, j.id DESC
WITH c, collect(j.id)[0..2] AS latestJourneys, collect(j.size)[0..2] AS latestSizes
OPTIONAL MATCH (c)-[:PERFORMED]->(i:Interaction)
WITH c, latestJourneys, latestSizes,
     max(CASE WHEN i.type = 'purchase' THEN i.ts END) AS lastPurchase,
     max(CASE WHEN i.type IN ['switch', 'churn'] THEN i.ts END) AS lastExit,
     sum(CASE WHEN i.type = 'purchase' THEN 1 ELSE 0 END) AS purchases,
     sum(CASE WHEN i.stage = 'advocacy' OR i.nps >= 9 THEN 1 ELSE 0 END) AS advocacy,
     sum(CASE WHEN i.journey_id = latestJourneys[0]
               AND (i.experience = 'negative' OR i.type = 'complaint' OR i.outcome = 'failure') THEN 1 ELSE 0 END)
       AS latestNegatives,
     sum(CASE WHEN i.journey_id = latestJourneys[0] AND i.type = 'purchase' THEN 1 ELSE 0 END) AS latestPurchases
WITH c,
     CASE
       WHEN lastExit IS NOT NULL AND (lastPurchase IS NULL OR lastPurchase < lastExit) THEN ['stop', 'left for a competitor or churned']
       WHEN latestNegatives > 0 THEN ['backward', 'negative experience in the latest journey']
       WHEN purchases > 0 AND latestPurchases = 0 AND size(latestSizes) = 2 AND latestSizes[0] < latestSizes[1]
         THEN ['backward', 'declining activity since the last purchase']
       WHEN purchases >= 2 THEN ['forward', 'repeat purchase']
       WHEN advocacy > 0 THEN ['forward', 'advocacy']
       WHEN purchases = 1 THEN ['start', 'first purchase']
       ELSE ['start', 'no purchase yet'] END AS decided
RETURN c.id AS customer, decided[0] AS stage, decided[1] AS reason, c.relationship_stage AS declared
ORDER BY customer
