// name: ingest-batch
// One planned batch of events, written atomically: new customers and their identities, journey changes (dropped,
// merged, re-sequenced), the new interactions grouped by journey with every relationship, the NEXT links, and the
// live state of the customers whose events came in order (counter deltas and changed facts). `1 /
// CASE ... ELSE 0 END` fails the whole query when the plan's assumptions about the graph (from a cache) no longer
// hold; nothing is written then, and the batch is planned again from fresh reads. Rows are lists, not maps, where they
// are many (see the fragments ingest-places and ingest-group-interactions).
// params:
//   now: int                     epoch ms of the write
//   customers: list              ids of the customers the batch creates
//   identities: list             [{customer_id, key, kind, hash}] to link
//   dropped: list                journey ids merged away
//   next_removed: list           [from id, to id] NEXT links to remove
//   unincluded: list             [interaction id, journey id] INCLUDES to remove
//   new_journeys: list           [{id, customer_id, session_id, start_ts, end_ts, size}] without new interactions
//   updated_journeys: list       the same with expected_size, the size the plan assumed
//   touchpoints: list            touchpoint codes the new interactions refer to (by index)
//   touchpoint_stages: list      their stages as the plan read them (the live state counted with them)
//   new_groups: list             groups of new interactions in new journeys
//   old_groups: list             groups of new interactions in journeys the graph holds
//   extras: list                 [{id, frictions, trigger, experience, product, switched_to, customer_id, ts}]
//   included: list               [interaction id, journey id, seq] INCLUDES of interactions the graph holds
//   reseq: list                  [interaction id, journey id, seq] new seq of an INCLUDES
//   next_added: list             [from id, to id] NEXT links the groups do not make
//   persona_stats: list          live state counter rows (fragment live-state-write), per label
//   friction_stats: list
//   competitor_stats: list
//   map_stats: list
//   map_friction_stats: list
//   channel_stats: list
//   path_scope_stats: list
//   path_stats: list
//   transition_stats: list
//   gap_buckets: list
//   gap_buckets_many: list
//   state_customers: list        [customer id, stage, stage reason, latest trigger, outcome, ts, event id]
//   state_cleared: list          customers whose ACTIVE_AS and EXPOSED_TO are all rewritten
//   state_active: list           [customer id, persona, first_ts, first_event]
//   state_exposed: list          [customer, persona, friction, first_hit, first_event, switch ts, event, competitor]
//   journey_stages: list         [journey id, stage]
//   state_timelines: list        [customer id, Timeline properties]
//   state_timeline_appends: list [customer id, properties to set, ts and channels to append]
//   state_timelines_dropped: list customers whose Timeline is deleted
// mode: write
// audience: internal

UNWIND $customers AS cid
MERGE (c:Customer {id: cid}) ON CREATE SET c.created_ts = $now, c.updated_ts = $now
WITH count(*) AS _
// include: link-identities
WITH count(*) AS _
UNWIND $dropped AS jid
MATCH (j:Journey {id: jid}) DETACH DELETE j
WITH count(*) AS _
UNWIND $next_removed AS pair
MATCH (:Interaction {id: pair[0]})-[r:NEXT]->(:Interaction {id: pair[1]}) DELETE r
WITH count(*) AS _
UNWIND $unincluded AS pair
MATCH (:Journey {id: pair[1]})-[r:INCLUDES]->(:Interaction {id: pair[0]}) DELETE r
WITH count(*) AS _
UNWIND $new_journeys AS jr
OPTIONAL MATCH (c:Customer {id: jr.customer_id})
WITH c, jr, 1 / CASE WHEN c IS NULL THEN 0 ELSE 1 END AS fresh
CREATE (c)-[:TOOK]->(:Journey {id: jr.id, customer_id: jr.customer_id, session_id: jr.session_id,
                                       start_ts: jr.start_ts, end_ts: jr.end_ts, size: jr.size})
WITH count(*) AS _
UNWIND $updated_journeys AS jr
OPTIONAL MATCH (j:Journey {id: jr.id})
WITH j, jr, 1 / CASE WHEN j IS NULL OR j.size <> jr.expected_size THEN 0 ELSE 1 END AS fresh
SET j.start_ts = jr.start_ts, j.end_ts = jr.end_ts, j.size = jr.size
WITH count(*) AS _
// groups of new journeys: the journey is created here, with TOOK, and cannot exist (the unique constraint says so)
// include: ingest-places
UNWIND $new_groups AS g
OPTIONAL MATCH (c:Customer {id: g[1]})
WITH places, g, c, 1 / CASE WHEN c IS NULL OR c.merged_into IS NOT NULL THEN 0 ELSE 1 END AS fresh
CREATE (c)-[:TOOK]->(j:Journey {id: g[0], customer_id: g[1], session_id: g[7], start_ts: g[4],
                                        end_ts: g[5], size: g[6]})
// include: ingest-group-interactions
WITH count(*) AS _
// groups of journeys the graph holds: checked against the size the plan assumed, then updated
// include: ingest-places
UNWIND $old_groups AS g
OPTIONAL MATCH (c:Customer {id: g[1]})
OPTIONAL MATCH (j:Journey {id: g[0]})
WITH places, g, c, j,
     1 / CASE WHEN c IS NULL OR c.merged_into IS NOT NULL OR j IS NULL OR j.size <> g[3] THEN 0 ELSE 1 END AS fresh
SET j.start_ts = g[4], j.end_ts = g[5], j.size = g[6]
// include: ingest-group-interactions
WITH count(*) AS _
UNWIND $extras AS x
MATCH (i:Interaction {id: x.id})
FOREACH (code IN coalesce(x.frictions, []) |
  MERGE (f:FrictionPoint {code: code}) CREATE (i)-[:HIT]->(f))
FOREACH (code IN CASE WHEN x.trigger IS NULL THEN [] ELSE [x.trigger] END |
  MERGE (g:TriggerEvent {code: code}) CREATE (i)-[:TRIGGERED {experience: x.experience}]->(g))
FOREACH (code IN CASE WHEN x.product IS NULL THEN [] ELSE [x.product] END |
  MERGE (p:Product {code: code}) CREATE (i)-[:ABOUT]->(p))
FOREACH (code IN CASE WHEN x.switched_to IS NULL THEN [] ELSE [x.switched_to] END |
  MERGE (k:Competitor {code: code}) MERGE (c:Customer {id: x.customer_id})
  CREATE (c)-[:SWITCHED_TO {ts: x.ts, event_id: x.id}]->(k))
WITH count(*) AS _
UNWIND $included AS inc
MATCH (j:Journey {id: inc[1]})
MATCH (i:Interaction {id: inc[0]})
CREATE (j)-[:INCLUDES {seq: inc[2]}]->(i)
SET i.journey_id = inc[1]
WITH count(*) AS _
UNWIND $reseq AS rs
MATCH (:Journey {id: rs[1]})-[r:INCLUDES]->(:Interaction {id: rs[0]})
SET r.seq = rs[2]
WITH count(*) AS _
UNWIND $next_added AS pair
MATCH (a:Interaction {id: pair[0]})
MATCH (b:Interaction {id: pair[1]})
CREATE (a)-[:NEXT]->(b)
WITH count(*) AS _
// include: live-state-write
RETURN 1 AS n
