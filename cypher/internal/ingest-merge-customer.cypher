// name: ingest-merge-customer
// Identity merge: moves everything of the loser (identities, interactions, journeys, switches, persona assignments,
// consents, account memberships) to the survivor. A declared loser stays as a redirect stub (merged_into); an
// anonymous one (id starting with $anonymous) is deleted.
// params:
//   loser: string                the customer merged away
//   survivor: string             the customer that keeps everything
//   now: int                     epoch ms of the merge
//   anonymous: string            the prefix of anonymous customer ids
// mode: write
// audience: internal

// one Timeline made and dropped first: see the fragment live-state-write on FalkorDB's deletes
CREATE (guard:Timeline)
DELETE guard
WITH count(*) AS _
MERGE (l:Customer {id: $loser}) ON CREATE SET l.created_ts = $now
MERGE (s:Customer {id: $survivor}) ON CREATE SET s.created_ts = $now
SET l.merged_into = s.id, l.updated_ts = $now, s.updated_ts = $now, l.record_hash = null, s.record_hash = null
WITH count(*) AS _
// the loser's events all move to the survivor: its live-state Timeline goes (the survivor's is rewritten by the
// repair that surrounds a merge)
MATCH (:Customer {id: $loser})-[:HAS_TIMELINE]->(t:Timeline)
DETACH DELETE t
WITH count(*) AS _
MATCH (x:Identity)-[r:IDENTIFIES]->(:Customer {id: $loser}) MATCH (s:Customer {id: $survivor})
DELETE r MERGE (x)-[:IDENTIFIES]->(s)
WITH count(*) AS _
MATCH (:Customer {id: $loser})-[r:PERFORMED]->(i) MATCH (s:Customer {id: $survivor})
DELETE r CREATE (s)-[:PERFORMED]->(i) SET i.customer_id = $survivor
WITH count(*) AS _
MATCH (:Customer {id: $loser})-[r:TOOK]->(j) MATCH (s:Customer {id: $survivor})
DELETE r CREATE (s)-[:TOOK]->(j) SET j.customer_id = $survivor
WITH count(*) AS _
MATCH (:Customer {id: $loser})-[r:SWITCHED_TO]->(k) MATCH (s:Customer {id: $survivor})
CREATE (s)-[:SWITCHED_TO {ts: r.ts, event_id: r.event_id}]->(k) DELETE r
WITH count(*) AS _
MATCH (:Customer {id: $loser})-[r:SHOWS]->(p) MATCH (s:Customer {id: $survivor})
CREATE (s)-[:SHOWS {weight: r.weight, since: r.since, until: r.until, source: r.source}]->(p) DELETE r
WITH count(*) AS _
MATCH (:Customer {id: $loser})-[r:GAVE]->(k) MATCH (s:Customer {id: $survivor})
DELETE r CREATE (s)-[:GAVE]->(k) SET k.customer_id = $survivor
WITH count(*) AS _
MATCH (:Customer {id: $loser})-[r:MEMBER_OF]->(a) MATCH (s:Customer {id: $survivor})
MERGE (s)-[m:MEMBER_OF]->(a) ON CREATE SET m.since = r.since
SET m.since = CASE WHEN r.since < m.since THEN r.since ELSE m.since END
DELETE r
WITH count(*) AS _
MATCH (l:Customer {id: $loser}) WHERE l.id STARTS WITH $anonymous DETACH DELETE l
RETURN count(*) AS n
