// fragment: verbatim-complaint
// The tone of one interaction x (graph/feedback.py): a complaint when it had a negative experience, a failed or
// abandoned outcome, negative sentiment, CSAT <= 2, CES >= 5, NPS <= 6 or was a complaint (null, not false, when no
// field says).
// arguments: x

(x.experience = 'negative' OR x.outcome IN ['failure', 'abandoned'] OR x.sentiment < 0 OR x.csat <= 2
 OR x.ces >= 5 OR x.nps <= 6 OR x.type = 'complaint')
