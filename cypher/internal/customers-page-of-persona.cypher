// name: customers-page-of-persona
// A keyset page of the customers (not merged into another) showing $persona at $at, ordered by id. Customers who
// refused analytics are not listed, so the total is the persona's `customers` count (persona-customer-counts).
// params:
//   persona: string              persona code
//   at: int                      epoch ms
//   after: string = null         cursor: ids after this one
//   before: string = null        ids before this one
// mode: read
// audience: internal

MATCH (c:Customer)-[s:SHOWS]->(:Persona {code: $persona}) WHERE c.merged_into IS NULL AND
  // include: shows-persona-at(s=s, t=$at)
  AND NOT 'analytics' IN coalesce(c.refused, [])
// include: customers-page-window
