// name: customers-page
// A keyset page of the customers (not merged into another) ordered by id.
// params:
//   after: string = null         cursor: ids after this one
//   before: string = null        ids before this one
// mode: read
// audience: internal

MATCH (c:Customer) WHERE c.merged_into IS NULL
// include: customers-page-window
