// fragment: live-state-write
// Part of the queries that keep the live state (docs/graph-model.md "Live state"): adds counter deltas and writes
// facts. Counter rows are lists: [key, identifying values..., deltas...] in graph.live_state.fold's FIELDS order; a
// counter whose main count reaches 0 is deleted. Gap rows carry the gaps to add (sorted) and to remove; the bucket
// keeps its gaps sorted: a few ($gap_buckets) in place, many ($gap_buckets_many) counted by value and listed again in
// order (one by one, a bot's 20,000-event journey took 53 s to ingest and 68 s to erase, bench/long_customer.py).
// Transition rows end with the histogram's deltas as lists indexed by bucket and by group of 16 buckets
// (graph.live_state.writes.by_position). Facts: $state_cleared customers lose every ACTIVE_AS and
// EXPOSED_TO first (a repair rewrites them all), then the given ones are written. A timeline row replaces every
// property of the customer's Timeline ([customer id, properties]); an append row ([customer id, properties, ts,
// channels], in-order events) sets the properties it names and extends `ts` and `channels`;
// $state_timelines_dropped lose theirs.
// Every part begins after a `WITH count(*) AS _` and ends with one. (FalkorDB 4.16 ran a bare `WITH s WHERE s.x = 0`
// before the SET above it and deleted live counters: the count is projected first.)

// FalkorDB 4.x keeps a deleted node in its label's scans (where a later node reusing its id then shows up under
// that label) when the node was made before the graph grew and no node of the label was made since: one node of
// each label made and dropped first keeps the deletes below clean (tests/integration/test_live_state.py).
CREATE (g1:PersonaStat), (g2:FrictionStat), (g3:CompetitorStat), (g4:MapStat), (g5:MapFrictionStat),
       (g6:ChannelStat), (g7:PathScopeStat), (g8:PathStat), (g9:TransitionStat), (g10:GapBucket), (g11:Timeline)
DELETE g1, g2, g3, g4, g5, g6, g7, g8, g9, g10, g11
WITH count(*) AS _
UNWIND $persona_stats AS r
MERGE (s:PersonaStat {key: r[0]}) ON CREATE SET s.persona = r[1], s.customers = 0, s.switchers = 0
SET s.customers = s.customers + r[2], s.switchers = s.switchers + r[3]
WITH s, s.customers AS left WHERE left = 0
DELETE s
WITH count(*) AS _
UNWIND $friction_stats AS r
MERGE (s:FrictionStat {key: r[0]})
  ON CREATE SET s.persona = r[1], s.friction = r[2], s.exposed = 0, s.switched = 0, s.exposed_switchers = 0
SET s.exposed = s.exposed + r[3], s.switched = s.switched + r[4], s.exposed_switchers = s.exposed_switchers + r[5]
WITH s, s.exposed AS left WHERE left = 0
DELETE s
WITH count(*) AS _
UNWIND $competitor_stats AS r
MERGE (s:CompetitorStat {key: r[0]})
  ON CREATE SET s.persona = r[1], s.friction = r[2], s.competitor = r[3], s.customers = 0
SET s.customers = s.customers + r[4]
WITH s, s.customers AS left WHERE left = 0
DELETE s
WITH count(*) AS _
UNWIND $map_stats AS r
MERGE (s:MapStat {key: r[0]})
  ON CREATE SET s.persona = r[1], s.stage = r[2], s.touchpoint = r[3], s.interactions = 0, s.customers = 0,
                s.journeys = 0, s.drops = 0, s.csat_sum = 0.0, s.csat_count = 0, s.ces_sum = 0.0, s.ces_count = 0,
                s.negatives = 0
SET s.interactions = s.interactions + r[4], s.customers = s.customers + r[5], s.journeys = s.journeys + r[6],
    s.drops = s.drops + r[7], s.csat_sum = s.csat_sum + r[8], s.csat_count = s.csat_count + r[9],
    s.ces_sum = s.ces_sum + r[10], s.ces_count = s.ces_count + r[11], s.negatives = s.negatives + r[12]
WITH s, s.interactions AS left WHERE left = 0
DELETE s
WITH count(*) AS _
UNWIND $map_friction_stats AS r
MERGE (s:MapFrictionStat {key: r[0]})
  ON CREATE SET s.persona = r[1], s.stage = r[2], s.touchpoint = r[3], s.friction = r[4], s.hits = 0
SET s.hits = s.hits + r[5]
WITH s, s.hits AS left WHERE left = 0
DELETE s
WITH count(*) AS _
UNWIND $channel_stats AS r
MERGE (s:ChannelStat {key: r[0]})
  ON CREATE SET s.channel = r[1], s.interactions = 0, s.customers = 0, s.csat_sum = 0.0, s.csat_count = 0,
                s.ces_sum = 0.0, s.ces_count = 0, s.nps_sum = 0, s.nps_count = 0, s.promoters = 0, s.detractors = 0,
                s.negatives = 0, s.failures = 0, s.friction_hits = 0
SET s.interactions = s.interactions + r[2], s.customers = s.customers + r[3], s.csat_sum = s.csat_sum + r[4],
    s.csat_count = s.csat_count + r[5], s.ces_sum = s.ces_sum + r[6], s.ces_count = s.ces_count + r[7],
    s.nps_sum = s.nps_sum + r[8], s.nps_count = s.nps_count + r[9], s.promoters = s.promoters + r[10],
    s.detractors = s.detractors + r[11], s.negatives = s.negatives + r[12], s.failures = s.failures + r[13],
    s.friction_hits = s.friction_hits + r[14]
WITH s, s.interactions AS left WHERE left = 0
DELETE s
WITH count(*) AS _
UNWIND $path_scope_stats AS r
MERGE (s:PathScopeStat {key: r[0]}) ON CREATE SET s.scope = r[1], s.persona = r[2], s.journeys = 0
SET s.journeys = s.journeys + r[3]
WITH s, s.journeys AS left WHERE left = 0
DELETE s
WITH count(*) AS _
UNWIND $path_stats AS r
MERGE (s:PathStat {key: r[0]})
  ON CREATE SET s.scope = r[1], s.persona = r[2], s.steps = r[3], s.journeys = 0, s.customers = 0
SET s.journeys = s.journeys + r[4], s.customers = s.customers + r[5]
// the frequency tier (indexed), written only when it changes: most writes then leave the index alone
WITH s, CASE WHEN s.journeys >= 1000 THEN s.scope + '|1000' WHEN s.journeys >= 100 THEN s.scope + '|100'
             WHEN s.journeys >= 10 THEN s.scope + '|10' END AS tier
FOREACH (_ IN CASE WHEN coalesce(s.tier, '') <> coalesce(tier, '') THEN [1] ELSE [] END | SET s.tier = tier)
WITH s, s.journeys AS left WHERE left = 0
DELETE s
WITH count(*) AS _
UNWIND $transition_stats AS r
MERGE (s:TransitionStat {key: r[0]})
  ON CREATE SET s.scope = r[1], s.persona = r[2], s.from_touchpoint = r[3], s.to_touchpoint = r[4],
                s.occurrences = 0, s.gap_counts = [], s.gap_groups = []
WITH s, r, s.gap_counts AS counts, r[6] AS added, s.gap_groups AS groups, r[7] AS added_to_groups
SET s.occurrences = s.occurrences + r[5],
    s.gap_counts = [k IN range(0, CASE WHEN size(added) > size(counts) THEN size(added) ELSE size(counts) END - 1) |
                     coalesce(counts[k], 0) + coalesce(added[k], 0)],
    s.gap_groups = [k IN range(0, CASE WHEN size(added_to_groups) > size(groups) THEN size(added_to_groups)
                                       ELSE size(groups) END - 1) |
                     coalesce(groups[k], 0) + coalesce(added_to_groups[k], 0)]
WITH s, s.occurrences AS left WHERE left = 0
DELETE s
WITH count(*) AS _
UNWIND $gap_buckets AS r
MERGE (b:GapBucket {key: r[0]})
  ON CREATE SET b.scope = r[1], b.from_touchpoint = r[2], b.to_touchpoint = r[3], b.bucket = r[4], b.gaps = []
WITH b, r, reduce(g = b.gaps, v IN r[6] | [x IN g WHERE x < v] + [x IN g WHERE x = v][1..] + [x IN g WHERE x > v])
       AS kept
SET b.gaps = reduce(g = kept, v IN r[5] | [x IN g WHERE x <= v] + [v] + [x IN g WHERE x > v])
WITH b, size(b.gaps) AS left WHERE left = 0
DELETE b
WITH count(*) AS _
UNWIND $gap_buckets_many AS r
MERGE (b:GapBucket {key: r[0]})
  ON CREATE SET b.scope = r[1], b.from_touchpoint = r[2], b.to_touchpoint = r[3], b.bucket = r[4], b.gaps = []
WITH b, r
// [null, 1]: one row for the bucket even when no gap is left (collect drops the null)
UNWIND [x IN b.gaps | [x, 1]] + [v IN r[5] | [v, 1]] + [v IN r[6] | [v, -1]] + [[null, 1]] AS held
WITH b, held[0] AS x, toInteger(sum(held[1])) AS n
ORDER BY x
UNWIND range(1, n) AS copy
WITH b, collect(x) AS gaps
SET b.gaps = gaps
WITH b, size(gaps) AS left WHERE left = 0
DELETE b
WITH count(*) AS _
UNWIND $state_customers AS r
MATCH (c:Customer {id: r[0]})
SET c.stage = r[1], c.stage_reason = r[2], c.latest_trigger = r[3], c.latest_outcome = r[4],
    c.latest_trigger_ts = r[5], c.latest_trigger_event = r[6]
WITH count(*) AS _
UNWIND $state_cleared AS cid
MATCH (:Customer {id: cid})-[x:ACTIVE_AS|EXPOSED_TO]->()
DELETE x
WITH count(*) AS _
UNWIND $state_active AS r
MATCH (c:Customer {id: r[0]})
MATCH (p:Persona {code: r[1]})
MERGE (c)-[x:ACTIVE_AS]->(p)
SET x.first_ts = r[2], x.first_event = r[3]
WITH count(*) AS _
UNWIND $state_exposed AS r
MATCH (c:Customer {id: r[0]})
MATCH (f:FrictionPoint {code: r[2]})
MERGE (c)-[x:EXPOSED_TO {persona: r[1]}]->(f)
SET x.first_hit = r[3], x.first_event = r[4], x.switch_ts = r[5], x.switch_event = r[6], x.competitor = r[7]
WITH count(*) AS _
UNWIND $journey_stages AS r
MATCH (j:Journey {id: r[0]})
SET j.stage = r[1]
WITH count(*) AS _
UNWIND $state_timelines AS r
MATCH (c:Customer {id: r[0]})
MERGE (c)-[:HAS_TIMELINE]->(t:Timeline)
SET t = r[1]
WITH count(*) AS _
UNWIND $state_timeline_appends AS r
MATCH (:Customer {id: r[0]})-[:HAS_TIMELINE]->(t:Timeline)
SET t += r[1], t.ts = t.ts + r[2], t.channels = t.channels + r[3]
WITH count(*) AS _
UNWIND $state_timelines_dropped AS cid
MATCH (:Customer {id: cid})-[:HAS_TIMELINE]->(t:Timeline)
DETACH DELETE t
WITH count(*) AS _
