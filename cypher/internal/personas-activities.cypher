// name: personas-activities
// The interactions of these customers up to $at, as persona scoring sees them.
// params:
//   ids: list                    customer ids
//   at: int                      epoch ms
// mode: read
// audience: internal

UNWIND $ids AS id MATCH (:Customer {id: id})-[:PERFORMED]->(i:Interaction) WHERE i.ts <= $at
RETURN id AS customer, i.ts AS ts, i.channel AS channel, i.stage AS stage, i.frictions AS frictions, i.value AS value
