// name: anonymize-consents
// Moves consent decisions under the pseudonym (new ids) and drops who recorded them.
// params:
//   rows: list                   [{old, new}]
//   pseudonym: string
// mode: write
// audience: internal

UNWIND $rows AS row MATCH (k:Consent {id: row.old}) SET k.id = row.new, k.customer_id = $pseudonym, k.actor = null
