// name: anonymize-interactions-read
// These interactions with every property.
// params:
//   ids: list                    interaction ids
// mode: read
// audience: internal

UNWIND $ids AS eid MATCH (i:Interaction {id: eid}) RETURN properties(i) AS i
