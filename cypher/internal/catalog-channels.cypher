// name: catalog-channels
// Upserts catalog channels by code. Channels (a channel the events created becomes a catalog entry).
// params:
//   rows: list                   [{code, name, kind}]
// mode: write
// audience: internal

UNWIND $rows AS c MERGE (x:Channel {code: c.code}) SET x.name = c.name, x.kind = c.kind, x.auto = false
