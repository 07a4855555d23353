// name: persona-codes
// Every persona code, in order.
// mode: read
// audience: internal

MATCH (p:Persona) RETURN p.code AS code ORDER BY code
