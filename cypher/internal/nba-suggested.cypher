// name: nba-suggested
// The catalog's actions for a trigger event, for one experience outcome ($experience null: every action of the
// trigger, as win-back answers a departure), with the consent purpose each needs (the catalog's; product and content
// actions of graphs loaded before purposes were stored need marketing).
// params:
//   trigger: string              trigger event code
//   experience: string = null    negative, met or exceeded
// mode: read
// audience: internal

MATCH (:TriggerEvent {code: $trigger})-[s:SUGGESTS]->(a:Action)
WHERE $experience IS NULL OR coalesce(s.when, a.when) = $experience
RETURN DISTINCT a.code AS code, a.name AS name, a.kind AS kind,
       coalesce(a.purpose, CASE WHEN a.kind IN ['product', 'content'] THEN 'marketing' ELSE 'service' END) AS purpose
ORDER BY code
