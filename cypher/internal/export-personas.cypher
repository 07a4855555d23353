// name: export-personas
// Every persona assignment of one customer, history included (the right of access).
// params:
//   id: string                   customer id
// mode: read
// audience: internal

MATCH (:Customer {id: $id})-[s:SHOWS]->(p:Persona)
RETURN p.code AS persona, p.name AS name, s.weight AS weight, s.since AS since, s.until AS until,
       s.source AS source
ORDER BY coalesce(s.since, 0), p.code
