// name: suppression-entries
// The suppression list (or one subject's entries), oldest first.
// params:
//   subject: string = null       customer_ref
// mode: read
// audience: internal

MATCH (s:Suppression) WHERE $subject IS NULL OR s.subject = $subject
RETURN s.key AS key, s.kind AS kind, s.subject AS subject, s.ts AS ts ORDER BY s.ts, s.key
