// name: anonymize-customer
// Replaces a customer's properties by $props (the pseudonym and what aggregates need) and rewrites its refused list.
// params:
//   id: string                   customer id
//   props: map                   the properties kept
// mode: write
// audience: internal

MATCH (c:Customer {id: $id}) SET c = $props
// include: refresh-refused
