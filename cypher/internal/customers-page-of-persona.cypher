// name: customers-page-of-persona
// A keyset page of the customers (not merged into another) showing $persona at $at, ordered by id.
// params:
//   persona: string              persona code
//   at: int                      epoch ms
//   after: string = null         cursor: ids after this one
//   before: string = null        ids before this one
// mode: read
// audience: internal

MATCH (c:Customer)-[s:SHOWS]->(:Persona {code: $persona}) WHERE c.merged_into IS NULL AND
  // include: shows-persona-at(s=s, t=$at)
// include: customers-page-window
