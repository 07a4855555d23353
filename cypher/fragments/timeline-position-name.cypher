// fragment: timeline-position-name
// The name of the Timeline property listing the positions of a customer's events whose key `k` (touchpoint, type,
// stage, channel, outcome, or 'friction') holds the code `v` (docs/graph-model.md "Facts"): k=v, with `%` and the
// backtick in v written %25 and %60, so no two codes share a name. Python code that writes Timelines uses
// graph.live_state.positions.position_name, the same rule.
// arguments: k, v

k + '=' + replace(replace(v, '%', '%25'), '`', '%60')
