// name: journey-pages
// The same page of journeys for each customer, oldest first or ($newest) newest first, between the cursors (start_ts,
// id) $ats/$aid (after) and $bts/$bid (before); total counts every journey of the customer.
// params:
//   ids: list                    customer ids
//   newest: bool                 newest first
//   ats: int = null
//   aid: string = null
//   bts: int = null
//   bid: string = null
// mode: read
// audience: internal

UNWIND $ids AS cid OPTIONAL MATCH (:Customer {id: cid})-[:TOOK]->(j:Journey)
WITH cid, j ORDER BY j.start_ts, j.id
WITH cid, collect(j) AS asc
WITH cid, CASE WHEN $newest THEN reverse(asc) ELSE asc END AS js
// a journey x lies beyond a cursor in the order asked for
WITH cid, js,
     size([x IN js WHERE $aid IS NOT NULL AND NOT (CASE WHEN $newest
       THEN (x.start_ts < $ats OR (x.start_ts = $ats AND x.id < $aid))
       ELSE (x.start_ts > $ats OR (x.start_ts = $ats AND x.id > $aid)) END)]) AS start,
     size(js) - size([x IN js WHERE $bid IS NOT NULL AND NOT (CASE WHEN $newest
       THEN (x.start_ts > $bts OR (x.start_ts = $bts AND x.id > $bid))
       ELSE (x.start_ts < $bts OR (x.start_ts = $bts AND x.id < $bid)) END)]) AS stop
RETURN cid, size(js) AS total, start, stop, js[start..stop] AS window
