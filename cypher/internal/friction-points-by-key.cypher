// name: friction-points-by-key
// FrictionPoint nodes by their key (code), one row per key found.
// params:
//   keys: list                   FrictionPoint.code values
// mode: read
// audience: internal

UNWIND $keys AS k MATCH (n:FrictionPoint {code: k}) RETURN k, n
