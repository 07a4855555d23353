// name: catalog-stakeholders
// Upserts catalog stakeholders by code. Stakeholders with their support, influence and concerns.
// params:
//   rows: list                   [{code, name, support, influence, concerns}]
// mode: write
// audience: internal

UNWIND $rows AS s MERGE (x:Stakeholder {code: s.code})
SET x.name = s.name, x.support = s.support, x.influence = s.influence, x.concerns = s.concerns
