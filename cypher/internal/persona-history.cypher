// name: persona-history
// Every persona assignment of these customers in time order (open since first); a null weight (which does not count)
// reads 0.
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

UNWIND $ids AS id MATCH (:Customer {id: id})-[s:SHOWS]->(p:Persona)
RETURN id, p.code AS persona, coalesce(s.weight, 0.0) AS weight, s.since AS since, s.until AS until,
       s.source AS source
ORDER BY id, coalesce(s.since, -1), persona
