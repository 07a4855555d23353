"""An independent recomputation of the twin's journey questions from the input files (catalog, customers, events).

It imports nothing from `graph/`, `ingest/` or `api/` but the statistics' one home, `graph/analytics/stats.py`
(Wilson, rate, lift: pure functions checked against published values; tests/unit/test_architecture.py checks
the rest), and applies DESIGN.md's definitions literally, in plain Python, so the twin's answers can be compared
with it count for count: `twin.py` rebuilds customers (identity merges, analytics refusals, persona spans) and
journeys, `questions.py` answers funnel, retention and journeyPaths, `data.py` writes input files full of edge
cases.
"""
