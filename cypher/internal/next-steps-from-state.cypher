// name: next-steps-from-state
// Where customers went next from the state $state (every customer's transitions).
// params:
//   customer: string             the customer predicted for
//   touchpoint: string           their latest touchpoint
//   state: string                their Markov state
//   at: int                      epoch ms
// mode: read
// audience: internal

// include: next-steps-from-state
RETURN
  // include: markov-state(x=b)
  AS target, count(*) AS n
