// name: actions-by-key
// Action nodes by their key (code), one row per key found.
// params:
//   keys: list                   Action.code values
// mode: read
// audience: internal

UNWIND $keys AS k MATCH (n:Action {code: k}) RETURN k, n
