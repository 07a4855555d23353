// name: action-codes
// Every Action key (code), in order.
// mode: read
// audience: internal

MATCH (n:Action) RETURN n.code AS code ORDER BY code
