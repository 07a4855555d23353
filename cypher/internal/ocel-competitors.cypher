// name: ocel-competitors
// Every Competitor for the OCEL export.
// mode: read
// audience: internal

MATCH (x:Competitor) RETURN x.code AS code, x.name AS name ORDER BY code
