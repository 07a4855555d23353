// name: current-personas
// The persona assignments of these customers valid at $at, heaviest first.
// params:
//   ids: list                    customer ids
//   at: int                      epoch ms
// mode: read
// audience: internal

UNWIND $ids AS id MATCH (:Customer {id: id})-[s:SHOWS]->(p:Persona) WHERE
  // include: shows-persona-at(s=s, t=$at)
RETURN id, p.code AS persona, s.weight AS weight, s.since AS since, s.until AS until, s.source AS source
ORDER BY id, weight DESC, persona
