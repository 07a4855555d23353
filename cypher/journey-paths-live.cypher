// name: journey-paths-live
// journey-paths without matchers over the whole history (no start, end, since, until), read from the live state
// (docs/graph-model.md "Live state") instead of the interactions: the same two rows {kind, rows, total}, at a cost
// that grows with the number of journey variants and transitions, not with the history. PathScopeStat holds the
// journeys in scope (total), PathStat each variant's journeys and distinct customers, TransitionStat each
// consecutive touchpoint pair's occurrences and how many of its gaps fall in each gap bucket; the exact median gap
// is read from the one or two GapBucket nodes holding the middle gaps (each bucket's gaps are sorted), found by
// their key, the JSON text of [scope, from, to, bucket]. A transition whose key this text does not give (a code
// with a control character, or a key over 200 characters, stored as its sha256) gets a null medianMs.
// Customers who refuse `analytics` are not counted (docs/privacy.md).
// params:
//   persona: Persona.code = null  persona code; null = every customer
//   limit: int = 10               at most this many sequences (the transitions are all returned)
// returns: rows.medianMs: duration
// mode: read

// sequences: the scope's variants, most journeys first
WITH CASE WHEN $persona IS NULL THEN 'all' ELSE 'persona:' + $persona END AS scope
OPTIONAL MATCH (ss:PathScopeStat {scope: scope})
WITH scope, coalesce(ss.journeys, 0) AS total
MATCH (v:PathStat {scope: scope})
WITH total, v
ORDER BY v.journeys DESC, v.steps
LIMIT $limit
WITH total, collect({steps: v.steps, occurrences: v.journeys, customers: v.customers, medianMs: null}) AS rows
RETURN 'sequence' AS kind, rows, total
UNION
// transitions: the median of n gaps is the gap of rank n / 2 (0-based) when n is odd, else the mean of the ranks
// n / 2 - 1 and n / 2; one pass over the histogram in bucket order finds the bucket holding a rank and how many
// gaps lie in the buckets before it
WITH CASE WHEN $persona IS NULL THEN 'all' ELSE 'persona:' + $persona END AS scope
MATCH (t:TransitionStat {scope: scope})
UNWIND range(0, size(t.gap_buckets) - 1) AS k
WITH scope, t, t.gap_buckets[k] AS bucket, t.gap_counts[k] AS gaps
ORDER BY bucket
WITH scope, t, t.occurrences AS n, collect([bucket, gaps]) AS histogram
UNWIND CASE WHEN n % 2 = 1 THEN [toInteger(n / 2)] ELSE [toInteger(n / 2) - 1, toInteger(n / 2)] END AS rank
// at = [gaps seen, the bucket holding the rank, gaps before that bucket]
WITH scope, t, n, rank,
     reduce(at = [0, null, 0], h IN histogram |
       CASE WHEN at[1] IS NOT NULL THEN at
            WHEN rank < at[0] + h[1] THEN [at[0] + h[1], h[0], at[0]]
            ELSE [at[0] + h[1], null, 0] END) AS at
// the key as the state writes it: JSON text with `"` and `\` escaped, no spaces
WITH scope, t, n, rank, at,
     '["' + replace(replace(scope, '\\', '\\\\'), '"', '\\"') + '","'
       + replace(replace(t.from_touchpoint, '\\', '\\\\'), '"', '\\"') + '","'
       + replace(replace(t.to_touchpoint, '\\', '\\\\'), '"', '\\"') + '",' + toString(at[1]) + ']' AS key
OPTIONAL MATCH (g:GapBucket {key: key})
WITH scope, t, n, collect(toFloat(g.gaps[rank - at[2]])) AS middle
WITH scope, t, n, CASE WHEN size(middle) = 2 - n % 2 THEN reduce(s = 0.0, m IN middle | s + m) / size(middle) END
       AS medianMs
ORDER BY n DESC, t.from_touchpoint, t.to_touchpoint
// grouped by scope: no transition, no row (as journey-paths)
WITH scope, collect({steps: [t.from_touchpoint, t.to_touchpoint], occurrences: n, customers: 0, medianMs: medianMs})
       AS rows, toInteger(sum(n)) AS total
RETURN 'transition' AS kind, rows, total
