// name: catalog-competitors
// Upserts catalog competitors by code. Competitors.
// params:
//   rows: list                   [{code, name}]
// mode: write
// audience: internal

UNWIND $rows AS c MERGE (x:Competitor {code: c.code}) SET x.name = c.name, x.auto = false
