// name: customers-upsert
// One batch of customer records (of a customer file, or Segment profile updates): customers (attributes, personal
// data as pii_*, declared relationship stage, when each dated trait was set), their identities, persona assignments
// upserted by (customer, persona, since), consents by id, and Customer.refused
// rewritten for every customer whose consents changed. `record_hash`: the hash of the customer file record a row
// was written from, else null (ingest.customers: re-ingesting the same record is skipped).
// params:
//   now: int                     epoch ms of the write
//   rows: list                   [{id, stage, attributes, pii, trait_ts, record_hash}] (null trait_ts keeps the stored)
//   identities: list             [{customer_id, key, kind, hash}]
//   shows: list                  [{customer_id, persona, weight, since, until, source}]
//   consents: list               [{id, customer_id, purpose, granted, ts, source}]
//   refresh: list                ids of the customers whose refused list is rewritten
// mode: write
// audience: internal

UNWIND $rows AS r
MERGE (c:Customer {id: r.id}) ON CREATE SET c.created_ts = $now
SET c.updated_ts = $now, c.attributes = r.attributes, c.trait_ts = coalesce(r.trait_ts, c.trait_ts), c += r.pii,
    c.record_hash = r.record_hash
FOREACH (stage IN CASE WHEN r.stage IS NULL THEN [] ELSE [r.stage] END | SET c.relationship_stage = stage)
WITH count(*) AS _
// include: link-identities
WITH count(*) AS _
UNWIND $shows AS s
MATCH (c:Customer {id: s.customer_id})
MERGE (p:Persona {code: s.persona}) ON CREATE SET p.auto = true
WITH c, p, s
OPTIONAL MATCH (c)-[old:SHOWS]->(p) WHERE coalesce(old.since, -1) = coalesce(s.since, -1)
WITH c, p, s, collect(old) AS found
FOREACH (_ IN CASE WHEN size(found) = 0 THEN [1] ELSE [] END |
  CREATE (c)-[:SHOWS {weight: s.weight, since: s.since, until: s.until, source: s.source}]->(p))
FOREACH (r IN found | SET r.weight = s.weight, r.until = s.until, r.source = s.source)
WITH count(*) AS _
UNWIND $consents AS k
MATCH (c:Customer {id: k.customer_id})
MERGE (x:Consent {id: k.id})
SET x.customer_id = k.customer_id, x.purpose = k.purpose, x.granted = k.granted, x.ts = k.ts, x.source = k.source
MERGE (c)-[:GAVE]->(x)
WITH count(*) AS _
UNWIND $refresh AS cid
MATCH (c:Customer {id: cid})
// include: refresh-refused
RETURN count(*) AS n
