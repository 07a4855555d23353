// name: next-steps-from-start
// How journeys begin: the state of every journey's first interaction up to $at.
// params:
//   customer: string             the customer predicted for
//   at: int                      epoch ms
// mode: read
// audience: internal

// include: next-steps-from-start
RETURN
  // include: markov-state(x=b)
  AS target, count(*) AS n
