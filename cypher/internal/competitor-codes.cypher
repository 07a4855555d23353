// name: competitor-codes
// Every Competitor key (code), in order.
// mode: read
// audience: internal

MATCH (n:Competitor) RETURN n.code AS code ORDER BY code
