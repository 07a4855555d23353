// name: customer-record-hashes
// The hash of the customer file record each of these customers was last written from (none when another writer
// changed the profile since): a re-ingested record with the same hash is skipped (ingest.customers).
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

UNWIND $ids AS id MATCH (c:Customer {id: id}) WHERE c.record_hash IS NOT NULL RETURN id, c.record_hash AS hash
