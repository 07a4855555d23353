// name: ocel-touchpoints
// Every Touchpoint for the OCEL export.
// mode: read
// audience: internal

MATCH (t:Touchpoint) RETURN t.code AS code, t.name AS name, t.stage AS stage, t.channel AS channel ORDER BY code
