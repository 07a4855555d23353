// name: anonymize-interactions
// Gives interactions new random ids and the pseudonym, and drops their text, attributes and session.
// params:
//   rows: list                   [{old, new, journey}]
//   pseudonym: string
// mode: write
// audience: internal

UNWIND $rows AS row MATCH (i:Interaction {id: row.old})
SET i.id = row.new, i.customer_id = $pseudonym, i.journey_id = row.journey, i.text = null, i.attributes = null,
    i.session_id = null
