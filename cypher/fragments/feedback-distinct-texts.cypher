// fragment: feedback-distinct-texts
// Part of feedback search: one row per distinct text (hash), in rank order: its most recent interaction and how often
// it was said; praise is left out when $complaint (projected before it filters: the FalkorDB pitfall of list
// predicates in WHERE).

WITH rank, h, x ORDER BY x.ts DESC, x.id DESC
WITH rank, h, collect(x) AS said
WITH rank, h, said, coalesce(any(x IN said WHERE
  // include: verbatim-praise(x=x)
  ), false) AS praised
WHERE NOT ($complaint AND praised)
RETURN h AS hash, said[0].id AS id, said[0].text AS text, said[0].customer_id AS customer,
       size(said) AS occurrences
ORDER BY rank LIMIT $k
