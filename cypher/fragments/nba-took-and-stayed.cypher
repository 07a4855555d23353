// fragment: nba-took-and-stayed
// Part of the next-best-action history: per action, how many of the rows (c, i) took it (a later interaction within
// $window whose touchpoint, product or type is the action's code) and how many of those did not switch or churn within
// $window of the trigger.

MATCH (c)-[:PERFORMED]->(f:Interaction)
WHERE f.ts > i.ts AND f.ts <= i.ts + $window AND f.ts <= $at
  AND (f.touchpoint IN $actions OR f.product IN $actions OR f.type IN $actions)
WITH DISTINCT c, i, CASE WHEN f.touchpoint IN $actions THEN f.touchpoint
                        WHEN f.product IN $actions THEN f.product ELSE f.type END AS action
OPTIONAL MATCH (c)-[:PERFORMED]->(x:Interaction)
WHERE x.type IN ['switch', 'churn'] AND x.ts > i.ts AND x.ts <= i.ts + $window
WITH action, c, i, count(x) AS left
RETURN action, count(*) AS took, sum(CASE WHEN left = 0 THEN 1 ELSE 0 END) AS forward
