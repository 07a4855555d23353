// name: insights-of-personas
// Empathy-map entries per persona, in quadrant then id order.
// params:
//   codes: list                  persona codes
// mode: read
// audience: internal

UNWIND $codes AS code MATCH (:Persona {code: code})-[:HAS_INSIGHT]->(i:Insight)
RETURN code, i ORDER BY code, i.quadrant, i.id
