// name: live-repair-start
// Records a repair of the live state before the change it repairs: the customers and their old contribution to the
// counters (JSON text), so a crash between the change and live-repair-finish is finished later (docs/graph-model.md
// "Repairs in progress").
// params:
//   id: string                   the repair's id
//   customers: list              customer ids whose inputs change
//   contribution: string         their contribution before the change, JSON
//   ts: int                      epoch ms
// mode: write
// audience: internal

CREATE (:StateRepair {id: $id, customers: $customers, contribution: $contribution, ts: $ts})
