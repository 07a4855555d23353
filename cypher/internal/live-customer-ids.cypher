// name: live-customer-ids
// Every customer id, in order (what a rebuild or a verification of the live state walks through).
// mode: read
// audience: internal

MATCH (c:Customer)
RETURN c.id AS id
ORDER BY id
