// fragment: ingest-group-interactions
// Part of ingest-batch, after a group's journey `j` and customer `c` are bound: the group's interactions with
// PERFORMED, AT, INCLUDES, and NEXT from the interaction each one follows (looked up by id after the CREATE; a missing
// one fails the query like a stale cache). A group is [journey id, customer id, is new, size before, start_ts, end_ts,
// size, session_id, [event rows]]; an event row is [event id, ts, type, index in $touchpoints, seq, id of the
// interaction it follows or null, channel, [optional properties] or null].

WITH places, c, j, g[0] AS jid, g[1] AS cid, g[7] AS sid, g[8] AS rows
UNWIND rows AS e
WITH c, j, jid, cid, sid, e, places[e[3]] AS t, e[7] AS o
CREATE (c)-[:PERFORMED]->(i:Interaction {
         id: e[0], ts: e[1], type: e[2], customer_id: cid, journey_id: jid, session_id: sid, channel: e[6],
         touchpoint: t.code, stage: coalesce(o[0], t.stage), outcome: o[1], experience: o[2], csat: o[3], ces: o[4],
         nps: o[5], sentiment: o[6], text: o[7], value: o[8], currency: o[9], trigger: o[10], competitor: o[11],
         product: o[12], frictions: o[13], attributes: o[14]})-[:AT]->(t),
       (j)-[:INCLUDES {seq: e[4]}]->(i)
WITH i, e[5] AS follows WHERE follows IS NOT NULL
OPTIONAL MATCH (before:Interaction {id: follows})
WITH i, before, 1 / CASE WHEN before IS NULL THEN 0 ELSE 1 END AS fresh
CREATE (before)-[:NEXT]->(i)
