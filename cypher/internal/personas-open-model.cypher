// name: personas-open-model
// The open model persona assignments of these customers.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

UNWIND $ids AS id MATCH (:Customer {id: id})-[s:SHOWS]->(p:Persona)
WHERE s.source STARTS WITH 'model:' AND s.until IS NULL
RETURN id AS customer, p.code AS persona, s.weight AS weight
