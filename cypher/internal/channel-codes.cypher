// name: channel-codes
// Every channel code, in order.
// mode: read
// audience: internal

MATCH (c:Channel) RETURN c.code AS code ORDER BY code
