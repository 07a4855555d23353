// name: journey-paths-live
// journey-paths without matchers over the whole history (no start, end, since, until), read from the live state
// (docs/graph-model.md "Live state") instead of the interactions: the same two rows {kind, rows, total}, at a cost
// that grows with the number of journey variants and transitions, not with the history. PathScopeStat holds the
// journeys in scope (total), PathStat each variant's journeys and distinct customers (and its frequency tier),
// TransitionStat each consecutive touchpoint pair's occurrences and how many of its gaps fall in each gap bucket and
// each group of 16 buckets; the exact median gap is read from the one or two GapBucket nodes holding the middle gaps
// (each bucket's gaps are sorted), found by their key, the JSON text of [scope, from, to, bucket]. A transition
// whose key this text does not give (a code with a control character, or a key over 200 characters, stored as its
// sha256) gets a null medianMs.
// Customers who refuse `analytics` are not counted (docs/privacy.md).
// params:
//   persona: Persona.code = null  persona code; null = every customer
//   limit: int = 10               at most this many sequences (the transitions are all returned)
// returns: rows.medianMs: duration
// mode: read

// sequences: the scope's variants, most journeys first. Only the highest frequency tiers (PathStat.tier: 1000 or
// more journeys, 100 or more, 10 or more) are read until $limit variants are found, else every variant of the
// scope: each variant left out has fewer journeys than every one read, so the first $limit are the same
WITH CASE WHEN $persona IS NULL THEN 'all' ELSE 'persona:' + $persona END AS scope
OPTIONAL MATCH (ss:PathScopeStat {scope: scope})
WITH scope, coalesce(ss.journeys, 0) AS total
OPTIONAL MATCH (v:PathStat {tier: scope + '|1000'})
WITH scope, total, collect(v) AS read
CALL {
  WITH scope, read
  WITH scope, read WHERE size(read) < $limit
  OPTIONAL MATCH (v:PathStat {tier: scope + '|100'})
  RETURN collect(v) AS more
}
WITH scope, total, read + more AS read
CALL {
  WITH scope, read
  WITH scope, read WHERE size(read) < $limit
  OPTIONAL MATCH (v:PathStat {tier: scope + '|10'})
  RETURN collect(v) AS more
}
WITH scope, total, read + more AS read
CALL {
  WITH scope, read
  WITH scope, read WHERE size(read) < $limit
  MATCH (v:PathStat {scope: scope}) WHERE v.tier IS NULL
  RETURN collect(v) AS more
}
UNWIND read + more AS v
WITH total, v
ORDER BY v.journeys DESC, v.steps
LIMIT $limit
WITH total, collect({steps: v.steps, occurrences: v.journeys, customers: v.customers, medianMs: null}) AS rows
RETURN 'sequence' AS kind, rows, total
UNION
// transitions: the median of n gaps is the gap of rank n / 2 (0-based) when n is odd, else the mean of the ranks
// n / 2 - 1 and n / 2. A walk over gap_groups, then over the 16 gap_counts of the group it stops at, finds the
// bucket holding a rank and how many gaps lie in the buckets before it. The walk's accumulator is one number,
// (gaps passed) * 1024 + (entries passed), turned into -(that) - 1 where the rank is reached (a number, not a list:
// FalkorDB evaluates it several times faster)
WITH CASE WHEN $persona IS NULL THEN 'all' ELSE 'persona:' + $persona END AS scope
MATCH (t:TransitionStat {scope: scope})
WITH scope, t, t.occurrences AS n, t.gap_groups AS groups, t.gap_counts AS counts
UNWIND CASE WHEN n % 2 = 1 THEN [toInteger(n / 2)] ELSE [toInteger(n / 2) - 1, toInteger(n / 2)] END AS rank
WITH scope, t, n, rank, counts,
     -1 - reduce(at = 0, c IN groups |
            CASE WHEN at < 0 THEN at WHEN at / 1024 + c > rank THEN -1 - at ELSE at + c * 1024 + 1 END) AS in_group
WITH scope, t, n, rank, (in_group % 1024) * 16 AS first,
     -1 - reduce(at = (in_group / 1024) * 1024, c IN counts[(in_group % 1024) * 16..(in_group % 1024) * 16 + 16] |
            CASE WHEN at < 0 THEN at WHEN at / 1024 + c > rank THEN -1 - at ELSE at + c * 1024 + 1 END) AS in_bucket
// the bucket holding the rank and the gaps before it
WITH scope, t, n, rank, first + in_bucket % 1024 AS bucket, in_bucket / 1024 AS before
// the key as the state writes it: JSON text with `"` and `\` escaped, no spaces
WITH scope, t, n, rank, before,
     '["' + replace(replace(scope, '\\', '\\\\'), '"', '\\"') + '","'
       + replace(replace(t.from_touchpoint, '\\', '\\\\'), '"', '\\"') + '","'
       + replace(replace(t.to_touchpoint, '\\', '\\\\'), '"', '\\"') + '",' + toString(bucket) + ']' AS key
OPTIONAL MATCH (g:GapBucket {key: key})
WITH scope, t, n, collect(toFloat(g.gaps[rank - before])) AS middle
WITH scope, t, n, CASE WHEN size(middle) = 2 - n % 2 THEN reduce(s = 0.0, m IN middle | s + m) / size(middle) END
       AS medianMs
ORDER BY n DESC, t.from_touchpoint, t.to_touchpoint
// grouped by scope: no transition, no row (as journey-paths)
WITH scope, collect({steps: [t.from_touchpoint, t.to_touchpoint], occurrences: n, customers: 0, medianMs: medianMs})
       AS rows, toInteger(sum(n)) AS total
RETURN 'transition' AS kind, rows, total
