// name: accounts-upsert
// Segment group calls: accounts (B2B) with the group's traits, and each customer's membership, `since` the earliest
// call that tied them. The traits come merged by ingest.accounts (each keeps the value of its latest call).
// params:
//   now: int                     epoch ms of the write
//   accounts: list               [{id, attributes, trait_ts}] (JSON text)
//   members: list                [{customer_id, account_id, since}]
// mode: write
// audience: internal

UNWIND $accounts AS r
MERGE (a:Account {id: r.id}) ON CREATE SET a.created_ts = $now
SET a.updated_ts = $now, a.attributes = r.attributes, a.trait_ts = r.trait_ts
WITH count(*) AS _
UNWIND $members AS m
MATCH (c:Customer {id: m.customer_id})
MATCH (a:Account {id: m.account_id})
MERGE (c)-[r:MEMBER_OF]->(a) ON CREATE SET r.since = m.since
SET r.since = CASE WHEN m.since < r.since THEN m.since ELSE r.since END
RETURN count(*) AS n
