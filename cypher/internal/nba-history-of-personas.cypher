// name: nba-history-of-personas
// nba-history among customers who showed one of $personas at the trigger's time.
// params:
//   customer: string             the customer the actions are for (left out)
//   trigger: string              trigger event code
//   experience: string           the outcome
//   at: int                      epoch ms
//   window: int                  ms after the trigger in which a step counts
//   actions: list                the candidate actions' codes
//   personas: list               persona codes
// mode: read
// audience: internal

// include: nba-same-moment
MATCH (c)-[s:SHOWS]->(p:Persona) WHERE p.code IN $personas AND
  // include: shows-persona-at(s=s, t=i.ts)
WITH DISTINCT c, i
// include: nba-took-and-stayed
