// name: customers-by-id
// Customers by id, every property (callers leave personal data out or check the role).
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

UNWIND $ids AS id MATCH (c:Customer {id: id}) RETURN id, c
