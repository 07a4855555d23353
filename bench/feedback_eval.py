"""Does similarFeedback find complaints about the same issue? CFPB narratives, precision@5 by issue vs chance.

    .venv/bin/python bench/feedback_eval.py                 # 400 query narratives
    .venv/bin/python bench/feedback_eval.py --queries 0     # every narrative as a query

The 1,532 CFPB complaints with a narrative (../shared/data/cfpb/complaints_sample.csv) become Interactions with
their narrative as text; `enrich()` embeds them and `similar_feedback()` is asked, for each query narrative, for its
nearest neighbours (the query itself left out). precision@5 = the share of those 5 that carry the query's `Issue`
(63 issue categories), and likewise for `Product`. Chance = the precision a random 5 would have, averaged over the
same queries: sum over queries of (complaints with the query's label - 1) / (complaints - 1).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from random import Random

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from graph.embedded import start_or_attach  # noqa: E402
from graph.embeddings import Embedder  # noqa: E402
from graph.enrichment import enrich  # noqa: E402
from graph.falkordb_store import FalkorDBStore  # noqa: E402
from graph.feedback import similar_feedback  # noqa: E402

CFPB = HERE.parent.parent / "shared" / "data" / "cfpb" / "complaints_sample.csv"
K = 5


def complaints(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [{"id": r["Complaint ID"], "text": r["Consumer complaint narrative"].strip(), "issue": r["Issue"],
                 "product": r["Product"]} for r in csv.DictReader(f) if r["Consumer complaint narrative"].strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=400, help="query narratives sampled (0 = all)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not CFPB.exists():
        sys.exit(f"the CFPB sample is not at {CFPB}")
    rows = complaints(CFPB)
    by_id = {r["id"]: r for r in rows}
    queries = rows if args.queries <= 0 else Random(args.seed).sample(rows, min(args.queries, len(rows)))
    embedder = Embedder()
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_or_attach(Path(data_dir))
        store = FalkorDBStore(server.url, "127.0.0.1", server.port, "cfpb")
        try:
            store.ensure_schema()
            store.write_batches("UNWIND $rows AS row CREATE (:Interaction {id: row.id, text: row.text, ts: 0, "
                                "type: 'complaint'})", [{"id": r["id"], "text": r["text"]} for r in rows])
            report = enrich(store, embedder)
            started = time.perf_counter()
            hits = {"issue": 0, "product": 0}
            for q in queries:
                found = similar_feedback(store, embedder, q["text"], k=K + 1)
                matches = [m for m in found if m.interaction_id != q["id"]]
                for label in hits:
                    hits[label] += sum(by_id[m.interaction_id][label] == q[label] for m in matches[:K])
            seconds = time.perf_counter() - started
        finally:
            store.close()
            server.release()
    print(f"CFPB narratives: {len(rows)} ({len(set(r['issue'] for r in rows))} issues, "
          f"{len(set(r['product'] for r in rows))} products); queries: {len(queries)}; model {embedder.name}")
    print(f"enrich: {report.computed} embeddings in {report.seconds:.1f} s; search: "
          f"{1000 * seconds / len(queries):.0f} ms per query (embedding the query included)")
    for label in ("issue", "product"):
        sizes = Counter(r[label] for r in rows)
        chance = sum((sizes[q[label]] - 1) / (len(rows) - 1) for q in queries) / len(queries)
        precision = hits[label] / (K * len(queries))
        print(f"precision@{K} by {label:<7}: {precision:.3f}   chance {chance:.3f}   "
              f"({precision / chance:.1f}x chance)")


if __name__ == "__main__":
    main()
