// name: any-customer
// One customer id, if the graph has any (is the twin loaded?).
// mode: read
// audience: internal

MATCH (c:Customer) RETURN c.id AS id LIMIT 1
