// name: catalog-stages
// Upserts catalog stages by code. The journey stages with their order.
// params:
//   rows: list                   [{name, order}]
// mode: write
// audience: internal

UNWIND $rows AS s MERGE (x:Stage {name: s.name}) SET x.order = s.order
