// name: customer-timeline
// One customer's interactions in time order (ties by event id) in the period, with what happened at each: type,
// channel, touchpoint, stage, outcome, experience, scores, frictions hit, trigger, competitor, journey.
// No personal data.
// params:
//   id: string                    customer id (required)
//   since: datetime = null        start of the period (inclusive), epoch ms or RFC 3339; null = open
//   until: datetime = null        end of the period (exclusive), epoch ms or RFC 3339; null = open
//   limit: int = 1000             at most this many interactions (the earliest first)
// returns: at: datetime
// mode: read

MATCH (c:Customer {id: $id})
WITH c  // start from the customer's key: otherwise FalkorDB scans every Interaction to apply the period filter
MATCH (c)-[:PERFORMED]->(i:Interaction)
WHERE ($since IS NULL OR i.ts >= $since) AND ($until IS NULL OR i.ts < $until)
RETURN i.id AS id, i.ts AS at, i.type AS type, i.channel AS channel, i.touchpoint AS touchpoint, i.stage AS stage,
       i.outcome AS outcome, i.experience AS experience, i.csat AS csat, i.ces AS ces, i.nps AS nps,
       i.sentiment AS sentiment, coalesce(i.frictions, []) AS frictions, i.trigger AS trigger,
       i.competitor AS competitor, i.journey_id AS journey
ORDER BY at, id
LIMIT $limit
