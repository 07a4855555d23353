// name: live-repair-finish
// Finishes a repair in one atomic query: the counter deltas (new contribution minus the recorded one), the
// customers' facts rewritten, and the StateRepair node deleted. Also the in-order ingest's state write when no
// repair is recorded (id null).
// params:
//   id: string = null            the StateRepair node to delete (null: none)
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

// one StateRepair made and dropped first: see the fragment on FalkorDB's deletes
CREATE (guard:StateRepair)
DELETE guard
WITH count(*) AS _
OPTIONAL MATCH (done:StateRepair {id: $id})
DELETE done
WITH count(*) AS _
// include: live-state-write
RETURN 1 AS finished
