// name: suppression-on-list
// Which of these keys are on the suppression list, with their subject.
// params:
//   keys: list                   suppression keys
// mode: read
// audience: internal

UNWIND $keys AS k MATCH (s:Suppression {key: k})
RETURN s.key AS key, s.subject AS subject
