// name: personas-open
// Opens model assignments at $at.
// params:
//   rows: list                   [{customer, persona, weight}]
//   at: int                      epoch ms
//   source: string               model:<name>
// mode: write
// audience: internal

UNWIND $rows AS row MATCH (c:Customer {id: row.customer}) MATCH (p:Persona {code: row.persona})
CREATE (c)-[:SHOWS {weight: row.weight, since: $at, source: $source}]->(p)
