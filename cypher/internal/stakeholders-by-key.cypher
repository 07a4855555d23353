// name: stakeholders-by-key
// Stakeholder nodes by their key (code), one row per key found.
// params:
//   keys: list                   Stakeholder.code values
// mode: read
// audience: internal

UNWIND $keys AS k MATCH (n:Stakeholder {code: k}) RETURN k, n
