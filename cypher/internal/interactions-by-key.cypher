// name: interactions-by-key
// Interaction nodes by their key (id), one row per key found.
// params:
//   keys: list                   Interaction.id values
// mode: read
// audience: internal

UNWIND $keys AS k MATCH (n:Interaction {id: k}) RETURN k, n
