// fragment: refresh-refused
// Rewrites Customer.refused (the purposes whose latest decision refuses them; absent when none is) for the customers
// bound to `c`, from each one's whole consent history, so a re-ingested old decision never overrides a newer one.
// Every consent writer ends with it.

WITH DISTINCT c
OPTIONAL MATCH (c)-[:GAVE]->(k:Consent)
// include: latest-decision
WITH c, purpose, granted ORDER BY purpose
WITH c, collect(CASE WHEN granted = false THEN purpose END) AS refused
SET c.refused = CASE WHEN size(refused) > 0 THEN refused END
