// name: ocel-channels
// Every Channel for the OCEL export.
// mode: read
// audience: internal

MATCH (x:Channel) RETURN x.code AS code, x.name AS name, x.kind AS kind ORDER BY code
