// name: personas-by-key
// Persona nodes by their key (code), one row per key found.
// params:
//   keys: list                   Persona.code values
// mode: read
// audience: internal

UNWIND $keys AS k MATCH (n:Persona {code: k}) RETURN k, n
