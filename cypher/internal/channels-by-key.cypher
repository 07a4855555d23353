// name: channels-by-key
// Channel nodes by their key (code), one row per key found.
// params:
//   keys: list                   Channel.code values
// mode: read
// audience: internal

UNWIND $keys AS k MATCH (n:Channel {code: k}) RETURN k, n
