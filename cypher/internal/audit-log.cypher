// name: audit-log
// The latest audit entries at or after $since, of one subject and action when given, newest first.
// params:
//   since: int = null            epoch ms
//   subject: string = null
//   action: string = null
//   limit: int
// mode: read
// audience: internal

MATCH (a:AuditEntry) WHERE ($since IS NULL OR a.ts >= $since) AND ($subject IS NULL OR a.subject = $subject)
  AND ($action IS NULL OR a.action = $action)
RETURN a.id AS id, a.ts AS ts, a.actor AS actor, a.action AS action, a.subject AS subject, a.detail AS detail
ORDER BY a.ts DESC, a.id DESC LIMIT $limit
