// name: anonymize-consents-read
// These consent decisions' purpose, ts and actor.
// params:
//   ids: list                    consent ids
// mode: read
// audience: internal

UNWIND $ids AS kid MATCH (k:Consent {id: kid}) RETURN k.id AS id, k.purpose AS purpose, k.ts AS ts, k.actor AS actor
