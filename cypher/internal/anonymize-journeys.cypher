// name: anonymize-journeys
// Gives journeys new ids under the pseudonym and drops their session.
// params:
//   rows: list                   [{old, new}]
//   pseudonym: string
// mode: write
// audience: internal

UNWIND $rows AS row MATCH (j:Journey {id: row.old}) SET j.id = row.new, j.customer_id = $pseudonym, j.session_id = null
