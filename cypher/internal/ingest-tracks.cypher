// name: ingest-tracks
// For these customers: whether every journey they hold carries their own id, and their newest journey without a
// session (the tail of their session-less track).
// params:
//   ids: list                    customer ids
// mode: read
// audience: internal

UNWIND $ids AS cid
MATCH (j:Journey {customer_id: cid})
WITH cid, collect(j) AS js
WITH cid, js, [x IN js WHERE x.session_id IS NULL] AS gaps
WITH cid, js, gaps, reduce(m = -1, x IN gaps | CASE WHEN x.end_ts > m THEN x.end_ts ELSE m END) AS last_end
RETURN cid, all(x IN js WHERE x.id STARTS WITH (cid + ':')) AS clean,
       [x IN gaps WHERE x.end_ts = last_end | x.id][0] AS gap_jid
