// fragment: latest-decision
// The latest consent decision per purpose, the one rule every consent reader and writer uses (docs/privacy.md): per
// purpose the decision with the largest ts counts; an undated decision (a customer file without ts) is older than
// every dated one; at equal ts, or among undated ones, a refusal wins. Over rows (c, k), k one Consent of c (or null),
// it keeps one row (c, purpose, granted) per purpose (purpose and granted are null for a c without decisions). Undated
// sorts as -1.

WITH c, k.purpose AS purpose, collect([coalesce(k.ts, -1), k.granted]) AS decisions
WITH c, purpose, reduce(latest = [-1 - 1, true], d IN decisions |
       CASE WHEN d[0] > latest[0] OR (d[0] = latest[0] AND d[1] = false) THEN d ELSE latest END) AS latest
WITH c, purpose, latest[1] AS granted
