// name: account-traits
// The stored traits of these accounts (JSON text) and when each was set, to merge a group call's into.
// params:
//   ids: list                    account ids
// mode: read
// audience: internal

UNWIND $ids AS aid MATCH (a:Account {id: aid}) RETURN aid, a.attributes AS attributes, a.trait_ts AS trait_ts
