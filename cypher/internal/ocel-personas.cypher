// name: ocel-personas
// Every Persona for the OCEL export.
// mode: read
// audience: internal

MATCH (x:Persona) RETURN x.code AS code, x.name AS name ORDER BY code
