// name: friction-codes
// Every friction point code, in order.
// mode: read
// audience: internal

MATCH (f:FrictionPoint) RETURN f.code AS code ORDER BY code
