// name: touchpoint-stages
// The catalog stage of each touchpoint (null when it has none): what an interaction there without a stage of its own
// gets as Interaction.stage.
// params:
//   codes: list                  touchpoint codes
// mode: read
// audience: internal

UNWIND $codes AS code
MATCH (t:Touchpoint {code: code})
RETURN t.code AS code, t.stage AS stage
