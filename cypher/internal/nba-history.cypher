// name: nba-history
// What moved similar customers forward: among other customers with the same trigger and outcome, per candidate action,
// how many took it and how many of them stayed (graph/actions.py).
// params:
//   customer: string             the customer the actions are for (left out)
//   trigger: string              trigger event code
//   experience: string           the outcome
//   at: int                      epoch ms
//   window: int                  ms after the trigger in which a step counts
//   actions: list                the candidate actions' codes
// mode: read
// audience: internal

// include: nba-same-moment
WITH c, i
// include: nba-took-and-stayed
