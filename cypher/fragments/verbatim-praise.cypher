// fragment: verbatim-praise
// The tone of one interaction x (graph/feedback.py): praise when it had a met or exceeded experience, a CSAT of 4 or
// more, or a sentiment above 0.3 (null, not false, when no field says).
// arguments: x

(x.experience IN ['met', 'exceeded'] OR x.csat >= 4 OR x.sentiment > 0.3)
