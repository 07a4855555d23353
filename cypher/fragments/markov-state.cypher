// fragment: markov-state
// The Markov state of an interaction x (graph/prediction.py state_of, the same rule): 'switch:<competitor>' for a
// switch, 'churn' for a churn, else its touchpoint code.
// arguments: x

CASE WHEN x.type = 'switch' THEN 'switch:' + coalesce(x.competitor, 'unknown') WHEN x.type = 'churn' THEN 'churn'
     ELSE x.touchpoint END
