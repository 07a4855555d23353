// name: live-repairs-pending
// Repairs of the live state a crash left unfinished (live-repair-start without live-repair-finish), oldest first.
// mode: read
// audience: internal

MATCH (r:StateRepair)
RETURN r.id AS id, r.customers AS customers, r.contribution AS contribution
ORDER BY r.ts, r.id
