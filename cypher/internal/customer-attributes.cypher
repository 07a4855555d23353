// name: customer-attributes
// The stored attributes (JSON text) of these customers, to merge a customer file's into.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

UNWIND $ids AS cid MATCH (c:Customer {id: cid}) RETURN cid, c.attributes AS attributes
