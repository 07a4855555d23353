// name: export-customer
// One customer's properties, personal data included (the right of access).
// params:
//   id: string                   customer id
// mode: read
// audience: internal

MATCH (c:Customer {id: $id}) RETURN properties(c) AS c
