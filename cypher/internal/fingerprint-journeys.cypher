// name: fingerprint-journeys
// Every journey with the customer that TOOK it (null when none) and its interactions with their seq
// (graph/fingerprint.py).
// mode: read
// audience: internal

MATCH (j:Journey)
OPTIONAL MATCH (c:Customer)-[:TOOK]->(j)
OPTIONAL MATCH (j)-[r:INCLUDES]->(i:Interaction)
RETURN j.id AS journey, c.id AS customer, collect([r.seq, i.id]) AS members
