// name: ping
// Answers one row: the store is up and reads (the API's readiness check).
// mode: read
// audience: internal

RETURN 1 AS ok
