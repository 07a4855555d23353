// fragment: shows-persona-at
// The persona rule (DESIGN.md): a customer shows persona P at time t when one of its SHOWS assignments s to P has a
// weight above 0 (a null weight does not count), since <= t (or no since) and t < until (or no until). `s` is the
// SHOWS relationship or a map holding its weight, since and until; `t` the moment. Python code that holds assignments
// uses graph.persona_rule.shows_at, the same rule.
// arguments: s, t

s.weight > 0 AND (s.since IS NULL OR s.since <= t) AND (s.until IS NULL OR t < s.until)
