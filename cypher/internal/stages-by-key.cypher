// name: stages-by-key
// Stage nodes by their key (name), one row per key found.
// params:
//   keys: list                   Stage.name values
// mode: read
// audience: internal

UNWIND $keys AS k MATCH (n:Stage {name: k}) RETURN k, n
