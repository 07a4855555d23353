// name: stats-nodes
// How many nodes of each ontology label the graph holds, one row per label (graph.store.GraphStore.stats).
// mode: read
// audience: internal

MATCH (n:Customer) RETURN 'Customer' AS label, count(n) AS n
UNION ALL
MATCH (n:Identity) RETURN 'Identity' AS label, count(n) AS n
UNION ALL
MATCH (n:Persona) RETURN 'Persona' AS label, count(n) AS n
UNION ALL
MATCH (n:Insight) RETURN 'Insight' AS label, count(n) AS n
UNION ALL
MATCH (n:Channel) RETURN 'Channel' AS label, count(n) AS n
UNION ALL
MATCH (n:Touchpoint) RETURN 'Touchpoint' AS label, count(n) AS n
UNION ALL
MATCH (n:Stage) RETURN 'Stage' AS label, count(n) AS n
UNION ALL
MATCH (n:Interaction) RETURN 'Interaction' AS label, count(n) AS n
UNION ALL
MATCH (n:Journey) RETURN 'Journey' AS label, count(n) AS n
UNION ALL
MATCH (n:FrictionPoint) RETURN 'FrictionPoint' AS label, count(n) AS n
UNION ALL
MATCH (n:TriggerEvent) RETURN 'TriggerEvent' AS label, count(n) AS n
UNION ALL
MATCH (n:Action) RETURN 'Action' AS label, count(n) AS n
UNION ALL
MATCH (n:Competitor) RETURN 'Competitor' AS label, count(n) AS n
UNION ALL
MATCH (n:Stakeholder) RETURN 'Stakeholder' AS label, count(n) AS n
UNION ALL
MATCH (n:Product) RETURN 'Product' AS label, count(n) AS n
UNION ALL
MATCH (n:Consent) RETURN 'Consent' AS label, count(n) AS n
UNION ALL
MATCH (n:Embedding) RETURN 'Embedding' AS label, count(n) AS n
UNION ALL
MATCH (n:AuditEntry) RETURN 'AuditEntry' AS label, count(n) AS n
UNION ALL
MATCH (n:Suppression) RETURN 'Suppression' AS label, count(n) AS n
UNION ALL
MATCH (n:PersonaStat) RETURN 'PersonaStat' AS label, count(n) AS n
UNION ALL
MATCH (n:FrictionStat) RETURN 'FrictionStat' AS label, count(n) AS n
UNION ALL
MATCH (n:CompetitorStat) RETURN 'CompetitorStat' AS label, count(n) AS n
UNION ALL
MATCH (n:MapStat) RETURN 'MapStat' AS label, count(n) AS n
UNION ALL
MATCH (n:MapFrictionStat) RETURN 'MapFrictionStat' AS label, count(n) AS n
UNION ALL
MATCH (n:ChannelStat) RETURN 'ChannelStat' AS label, count(n) AS n
UNION ALL
MATCH (n:PathScopeStat) RETURN 'PathScopeStat' AS label, count(n) AS n
UNION ALL
MATCH (n:PathStat) RETURN 'PathStat' AS label, count(n) AS n
UNION ALL
MATCH (n:TransitionStat) RETURN 'TransitionStat' AS label, count(n) AS n
UNION ALL
MATCH (n:GapBucket) RETURN 'GapBucket' AS label, count(n) AS n
UNION ALL
MATCH (n:Timeline) RETURN 'Timeline' AS label, count(n) AS n
UNION ALL
MATCH (n:StateRepair) RETURN 'StateRepair' AS label, count(n) AS n
UNION ALL
MATCH (n:Account) RETURN 'Account' AS label, count(n) AS n
