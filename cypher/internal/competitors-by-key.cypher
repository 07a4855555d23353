// name: competitors-by-key
// Competitor nodes by their key (code), one row per key found.
// params:
//   keys: list                   Competitor.code values
// mode: read
// audience: internal

UNWIND $keys AS k MATCH (n:Competitor {code: k}) RETURN k, n
