// name: journeys-by-key
// Journey nodes by their key (id), one row per key found.
// params:
//   keys: list                   Journey.id values
// mode: read
// audience: internal

UNWIND $keys AS k MATCH (n:Journey {id: k}) RETURN k, n
