// name: next-steps-switch-after
// Switches that followed a journey ending in the state $state (every customer's).
// params:
//   customer: string             the customer predicted for
//   touchpoint: string           their latest touchpoint
//   state: string                their Markov state
//   at: int                      epoch ms
//   window: int                  ms after the last step in which a switch counts
// mode: read
// audience: internal

// include: next-steps-switch-after
RETURN target, count(*) AS n
