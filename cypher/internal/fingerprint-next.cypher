// name: fingerprint-next
// Every NEXT link as a pair of interaction ids (graph/fingerprint.py).
// mode: read
// audience: internal

MATCH (a:Interaction)-[:NEXT]->(b:Interaction)
RETURN a.id AS a, b.id AS b
