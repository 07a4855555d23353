// name: live-clear-some
// Deletes up to 10,000 of the live state's counter nodes and fact relationships (a rebuild starts from none); n is
// how many it deleted, 0 once there are none.
// mode: write
// audience: internal

// one node of each label made and dropped first: see the fragment live-state-write on FalkorDB's deletes
CREATE (g1:PersonaStat), (g2:FrictionStat), (g3:CompetitorStat), (g4:MapStat), (g5:MapFrictionStat),
       (g6:ChannelStat), (g7:PathScopeStat), (g8:PathStat), (g9:TransitionStat), (g10:GapBucket), (g11:Timeline)
DELETE g1, g2, g3, g4, g5, g6, g7, g8, g9, g10, g11
WITH count(*) AS _
CALL {
  MATCH (s) WHERE s:PersonaStat OR s:FrictionStat OR s:CompetitorStat OR s:MapStat OR s:MapFrictionStat
               OR s:ChannelStat OR s:PathScopeStat OR s:PathStat OR s:TransitionStat OR s:GapBucket
               OR s:Timeline
  WITH s LIMIT 10000
  DETACH DELETE s
  RETURN count(*) AS n
  UNION ALL
  MATCH (:Customer)-[x:ACTIVE_AS|EXPOSED_TO]->()
  WITH x LIMIT 10000
  DELETE x
  RETURN count(*) AS n
}
RETURN sum(n) AS n
