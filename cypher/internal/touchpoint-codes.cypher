// name: touchpoint-codes
// Every Touchpoint key (code), in order.
// mode: read
// audience: internal

MATCH (n:Touchpoint) RETURN n.code AS code ORDER BY code
