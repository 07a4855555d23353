// name: touchpoints-by-key
// Touchpoint nodes by their key (code), one row per key found.
// params:
//   keys: list                   Touchpoint.code values
// mode: read
// audience: internal

UNWIND $keys AS k MATCH (n:Touchpoint {code: k}) RETURN k, n
