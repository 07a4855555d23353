// name: consent-history
// Every consent decision of a customer, oldest first.
// params:
//   id: string                   customer id
// mode: read
// audience: internal

MATCH (c:Customer {id: $id})-[:GAVE]->(k:Consent)
RETURN k.purpose AS purpose, k.granted AS granted, k.ts AS ts, k.source AS source, k.actor AS actor
ORDER BY k.ts, k.purpose
