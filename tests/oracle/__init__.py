"""Oracles the twin's answers are held against, sharing no code with it: nothing here imports `graph/`, `ingest/`,
`api/`, `cypher/` or `dtc/` (tests/unit/test_architecture.py checks it), and no production code imports this.

- An independent recomputation of the journey questions from the input files (catalog, customers, events), applying
  DESIGN.md's definitions literally in plain Python, so the twin's answers can be compared with it count for count:
  `twin.py` rebuilds customers (identity merges, analytics refusals, persona spans) and journeys, `questions.py`
  answers funnel, retention and journeyPaths, `stats.py` has its own Wilson interval, rate and lift, `data.py` writes
  input files full of edge cases.
- The scan questions frozen as they stood after the one-home issue (`scan/*.cypher`, run by `scan.py` on a store
  passed in): frictionToCompetitors, journey-map, journey-paths and cx-by-channel, shaped as the `graph/analytics`
  functions answer, so the live state's answers can be held against them whatever later changes the production
  queries.
"""
