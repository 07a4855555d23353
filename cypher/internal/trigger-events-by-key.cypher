// name: trigger-events-by-key
// TriggerEvent nodes by their key (code), one row per key found.
// params:
//   keys: list                   TriggerEvent.code values
// mode: read
// audience: internal

UNWIND $keys AS k MATCH (n:TriggerEvent {code: k}) RETURN k, n
