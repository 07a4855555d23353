// fragment: ingest-places
// Part of ingest-batch: the touchpoints of $touchpoints, in that order, as `places`; fails the query (division by
// zero) when one is missing or its stage is not $touchpoint_stages' (the live state was planned with it), so a plan
// made from a stale cache is written nowhere.

UNWIND $touchpoints AS code
OPTIONAL MATCH (t:Touchpoint {code: code})
WITH collect(t) AS places
WITH places, 1 / CASE WHEN size(places) = size($touchpoints)
                           AND all(k IN range(0, size(places) - 1) WHERE places[k].code = $touchpoints[k]
                                   AND coalesce(places[k].stage, '') = coalesce($touchpoint_stages[k], ''))
                      THEN 1 ELSE 0 END AS fresh
