// name: cx-by-channel-live
// cx-by-channel over the whole history (no since/until), read from the live state (docs/graph-model.md "Live
// state") instead of the interactions: the same rows, at a cost that grows with the number of channels, not with
// the history. ChannelStat holds per channel the counts and sums the averages, shares and NPS score are computed
// from, as cx-by-channel computes them. Customers who refuse `analytics` are not counted (docs/privacy.md).
// Busiest channel first.
// mode: read

MATCH (s:ChannelStat)
WITH s, s.interactions AS interactions
RETURN s.channel AS channel, interactions, s.customers AS customers,
       CASE WHEN s.csat_count > 0 THEN s.csat_sum / toFloat(s.csat_count) END AS avgCsat,
       CASE WHEN s.ces_count > 0 THEN s.ces_sum / toFloat(s.ces_count) END AS avgCes,
       CASE WHEN s.nps_count > 0 THEN s.nps_sum / toFloat(s.nps_count) END AS avgNps,
       CASE WHEN s.nps_count > 0 THEN 100.0 * (s.promoters - s.detractors) / toFloat(s.nps_count) END AS nps,
       toFloat(s.negatives) / interactions AS negativeShare, toFloat(s.failures) / interactions AS failureShare,
       s.friction_hits AS frictionHits
ORDER BY interactions DESC, channel
