// name: suppression-add
// Adds entries to the suppression list under $subject (an entry already listed keeps its subject).
// params:
//   rows: list                   [{key, kind}]
//   subject: string              customer_ref of the erased person
//   ts: int                      epoch ms
// mode: write
// audience: internal

UNWIND $rows AS row
MERGE (s:Suppression {key: row.key})
  ON CREATE SET s.kind = row.kind, s.subject = $subject, s.ts = $ts
RETURN count(*) AS n
