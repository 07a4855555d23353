"""How well does nextSteps predict the next touchpoint? Top-1 / top-3 accuracy on held-back journeys.

    .venv/bin/python bench/next_steps_eval.py                     # 1,500 demo customers
    .venv/bin/python bench/next_steps_eval.py --customers 3000 --max-cases 3000

Data: the project's demo generator (ingest/generator.py: personas with their own touchpoint preferences per stage,
frictions, switches to competitors), ingested with `ingest_files`. Journeys that start on or after the cutoff (the
last 25% of the period) are held back: every step inside them is a case. For a case a -> b, `next_steps(customer,
at=a.ts)` sees only interactions up to a's time (the model counts a transition only once its target happened), so
nothing from the future leaks in. Compared, on the same cases:

- baseline "most frequent next touchpoint": the targets most often reached by any transition before the cutoff;
- "Markov, all customers": the same first-order model without persona weighting (before the cutoff);
- nextSteps: the persona-weighted model with switches as steps.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from random import Random

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from graph.embedded import start_or_attach  # noqa: E402
from graph.falkordb_store import FalkorDBStore  # noqa: E402
from graph.prediction import next_distribution, next_steps, top_steps, transition_graph  # noqa: E402
from graph.settings import Settings  # noqa: E402
from ingest.batch import ingest_files  # noqa: E402
from ingest.generator import generate  # noqa: E402

STEPS = """
MATCH (j:Journey)-[:INCLUDES]->(a:Interaction)-[:NEXT]->(b:Interaction)
RETURN j.id AS journey, j.start_ts AS start, a.customer_id AS customer, a.ts AS ts,
       CASE WHEN a.type = 'switch' THEN 'switch:' + coalesce(a.competitor, 'unknown')
            WHEN a.type = 'churn' THEN 'churn' ELSE a.touchpoint END AS source,
       CASE WHEN b.type = 'switch' THEN 'switch:' + coalesce(b.competitor, 'unknown')
            WHEN b.type = 'churn' THEN 'churn' ELSE b.touchpoint END AS target, b.ts AS target_ts
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1500)
    parser.add_argument("--max-cases", type=int, default=1500, help="held-back steps evaluated (sampled)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        data = generate(Path(work) / "data", customers=args.customers, seed=args.seed)
        server = start_or_attach(Path(work) / "db")
        settings = Settings(graph_url=f"falkordb://127.0.0.1:{server.port}", graph_name="eval",
                            identity_key="bench", state_dir_override=str(Path(work) / "state"))
        store = FalkorDBStore(settings.graph_url, "127.0.0.1", server.port, "eval")
        try:
            store.ensure_schema()
            ingest_files(store, settings, catalog=data.catalog_path, customers=[data.customers_path],
                         events=[data.events_path], rejects=Path(work) / "rejects.jsonl")
            steps = store.read(STEPS)
            first, last = min(s["start"] for s in steps), max(s["start"] for s in steps)
            cutoff = first + 0.75 * (last - first)
            train = [s for s in steps if s["target_ts"] < cutoff]
            cases = [s for s in steps if s["start"] >= cutoff]
            cases = Random(args.seed).sample(cases, min(args.max_cases, len(cases)))
            popular = [t for t, _ in Counter(s["target"] for s in train).most_common(3)]
            markov = transition_graph((s["source"], s["target"], 1.0) for s in train)
            hits: dict[str, list[int]] = {"baseline": [0, 0], "markov": [0, 0], "next_steps": [0, 0]}
            started = time.perf_counter()
            for case in cases:
                predicted: dict[str, list[str]] = {
                    "baseline": popular,
                    "markov": [s.touchpoint for s in top_steps(next_distribution(markov, case["source"]), 3)],
                    "next_steps": [s.touchpoint for s in next_steps(store, case["customer"], k=3, at=case["ts"])],
                }
                for name, guesses in predicted.items():
                    hits[name][0] += guesses[:1] == [case["target"]]
                    hits[name][1] += case["target"] in guesses
            per_call = (time.perf_counter() - started) / max(1, len(cases))
        finally:
            store.close()
            server.release()
    print(f"demo data: {args.customers} customers, {len(steps)} transitions; training transitions before the "
          f"cutoff: {len(train)}; held-back cases: {len(cases)}; switch cases: "
          f"{sum(c['target'].startswith('switch:') for c in cases)}")
    for name, label in (("baseline", "most frequent next touchpoint"), ("markov", "Markov, all customers"),
                        ("next_steps", "nextSteps (persona-weighted)")):
        top1, top3 = (h / max(1, len(cases)) for h in hits[name])
        print(f"{label:<32} top-1 {top1:.3f}   top-3 {top3:.3f}")
    print(f"nextSteps: {1000 * per_call:.1f} ms per call")


if __name__ == "__main__":
    main()
