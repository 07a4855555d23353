// name: stakeholder-codes
// Every Stakeholder key (code), in order.
// mode: read
// audience: internal

MATCH (n:Stakeholder) RETURN n.code AS code ORDER BY code
