// name: consents-of-customers
// Each customer's consent decisions (history kept), newest first per purpose.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

UNWIND $ids AS id MATCH (:Customer {id: id})-[:GAVE]->(k:Consent)
RETURN id, k ORDER BY id, k.purpose, coalesce(k.ts, 0) DESC
