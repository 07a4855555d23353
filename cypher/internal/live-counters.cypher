// name: live-counters
// Every counter node of the live state of one kind ($label: a counter label of graph/ontology.py), a page at a time
// in key order, with its properties.
// params:
//   label: string                PersonaStat, FrictionStat, ...
//   after: string = ""           the last key of the previous page
//   limit: int = 5000
// mode: read
// audience: internal

MATCH (s:PersonaStat) WHERE $label = 'PersonaStat' AND s.key > $after
RETURN s.key AS key, properties(s) AS counter ORDER BY key LIMIT $limit
UNION ALL
MATCH (s:FrictionStat) WHERE $label = 'FrictionStat' AND s.key > $after
RETURN s.key AS key, properties(s) AS counter ORDER BY key LIMIT $limit
UNION ALL
MATCH (s:CompetitorStat) WHERE $label = 'CompetitorStat' AND s.key > $after
RETURN s.key AS key, properties(s) AS counter ORDER BY key LIMIT $limit
UNION ALL
MATCH (s:MapStat) WHERE $label = 'MapStat' AND s.key > $after
RETURN s.key AS key, properties(s) AS counter ORDER BY key LIMIT $limit
UNION ALL
MATCH (s:MapFrictionStat) WHERE $label = 'MapFrictionStat' AND s.key > $after
RETURN s.key AS key, properties(s) AS counter ORDER BY key LIMIT $limit
UNION ALL
MATCH (s:ChannelStat) WHERE $label = 'ChannelStat' AND s.key > $after
RETURN s.key AS key, properties(s) AS counter ORDER BY key LIMIT $limit
UNION ALL
MATCH (s:PathScopeStat) WHERE $label = 'PathScopeStat' AND s.key > $after
RETURN s.key AS key, properties(s) AS counter ORDER BY key LIMIT $limit
UNION ALL
MATCH (s:PathStat) WHERE $label = 'PathStat' AND s.key > $after
RETURN s.key AS key, properties(s) AS counter ORDER BY key LIMIT $limit
UNION ALL
MATCH (s:TransitionStat) WHERE $label = 'TransitionStat' AND s.key > $after
RETURN s.key AS key, properties(s) AS counter ORDER BY key LIMIT $limit
UNION ALL
MATCH (s:GapBucket) WHERE $label = 'GapBucket' AND s.key > $after
RETURN s.key AS key, properties(s) AS counter ORDER BY key LIMIT $limit
