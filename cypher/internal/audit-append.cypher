// name: audit-append
// Appends one entry to the audit trail (never changed afterwards; no personal data).
// params:
//   id: string                   time in ns and a random suffix
//   ts: int                      epoch ms
//   actor: string
//   action: string
//   subject: string              a customer_ref or a name
//   detail: string
// mode: write
// audience: internal

CREATE (a:AuditEntry {id: $id, ts: $ts, actor: $actor, action: $action, subject: $subject, detail: $detail})
