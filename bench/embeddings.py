"""Embedding throughput: the whole enrichment step against the bare model, in the same run.

    .venv/bin/python bench/embeddings.py                 # 3,000 distinct verbatims, 3 rounds
    .venv/bin/python bench/embeddings.py --texts 6000 --rounds 5

N distinct verbatims are written as Interaction nodes into a fresh graph of an embedded FalkorDB. The bare rate is
`model.encode(texts)` (batched, normalised) on the same texts. Rounds alternate bare, enrich, bare, enrich, … and
the medians are compared, so load from other work on a shared machine spreads both alike. The enrichment rate is
`enrich()`'s texts/s: reading the nodes without embeddings, hashing, looking up known hashes, encoding, writing the
vectors (vecf32, vector index) and the EMBEDS links. Target: enrichment >= 0.9x the bare rate.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from random import Random

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from graph.embedded import start_or_attach  # noqa: E402
from graph.embeddings import Embedder  # noqa: E402
from graph.enrichment import enrich  # noqa: E402
from graph.falkordb_store import FalkorDBStore  # noqa: E402

SUBJECTS = ["My parcel", "The delivery", "The refund", "The colour", "The app", "The stylist", "The invoice",
            "The checkout", "My appointment", "The shampoo", "Customer service", "The website"]
PROBLEMS = ["arrived {n} days late", "was cancelled without notice", "cost {n} euros more than shown",
            "did not work after {n} tries", "was nothing like the picture", "took {n} weeks to sort out",
            "left me waiting for {n} minutes", "was much better than I expected"]
ENDINGS = ["and nobody answered my emails.", "so I will shop elsewhere.", "which was a pleasant surprise.",
           "and I had to call {n} times.", "and the staff were friendly about it.", "."]


def verbatims(count: int, seed: int = 3) -> list[str]:
    rng, texts, seen = Random(seed), list[str](), set[str]()
    while len(texts) < count:
        text = " ".join([rng.choice(SUBJECTS), rng.choice(PROBLEMS), rng.choice(ENDINGS)]).format(
            n=rng.randint(2, 90)).replace(" .", ".")
        text = f"{text} (order {rng.randint(1000, 99999)})"
        if text not in seen:
            seen.add(text)
            texts.append(text)
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=3000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3, help="alternating bare/enrich rounds (medians compared)")
    args = parser.parse_args()
    texts = verbatims(args.texts)
    embedder = Embedder()
    embedder.encode(texts[:64], batch_size=args.batch_size)  # load and warm up the model outside the timings

    bare_rates: list[float] = []
    enrich_rates: list[float] = []
    bare_cpu: list[float] = []  # CPU seconds per 1,000 texts: less sensitive than wall time to other work
    enrich_cpu: list[float] = []
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_or_attach(Path(data_dir))

        def cpu() -> float:
            """CPU seconds used so far by this process and the FalkorDB server (enrichment's cost is in both)."""
            fields = Path(f"/proc/{server.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return time.process_time() + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        def bare() -> None:
            started, cpu_started = time.perf_counter(), cpu()
            embedder.model.encode(texts, batch_size=args.batch_size, normalize_embeddings=True,
                                  convert_to_numpy=True, show_progress_bar=False)
            bare_rates.append(len(texts) / (time.perf_counter() - started))
            bare_cpu.append(1000 * (cpu() - cpu_started) / len(texts))

        try:
            bare()
            for round_number in range(args.rounds):
                # a fresh graph per round, so every round embeds every text
                store = FalkorDBStore(server.url, "127.0.0.1", server.port, f"bench{round_number}")
                try:
                    store.ensure_schema()
                    store.write_batches("UNWIND $rows AS row CREATE (:Interaction {id: row.id, ts: row.ts, "
                                        "text: row.text})", [{"id": f"e{n}", "ts": n, "text": t}
                                                             for n, t in enumerate(texts)])
                    cpu_started = cpu()
                    report = enrich(store, embedder, batch_size=args.batch_size)
                    enrich_cpu.append(1000 * (cpu() - cpu_started) / len(texts))
                    again = enrich(store, embedder, batch_size=args.batch_size)
                    enrich_rates.append(report.texts_per_second)
                    print(f"round {round_number + 1}: enrich {report.texts_per_second:7.1f} texts/s "
                          f"({report.computed} computed, {report.linked} linked, {report.seconds:.1f} s); "
                          f"again: {again.computed} computed in {again.seconds:.2f} s", flush=True)
                finally:
                    store.close()
                bare()
        finally:
            server.release()
    bare_median, enrich_median = statistics.median(bare_rates), statistics.median(enrich_rates)
    print(f"texts: {len(texts)} distinct, batch size {args.batch_size}, model {embedder.name}, "
          f"{args.rounds} rounds")
    print(f"bare model.encode:  {' '.join(f'{r:.0f}' for r in bare_rates)} texts/s (median {bare_median:.1f})")
    print(f"enrich():           {' '.join(f'{r:.0f}' for r in enrich_rates)} texts/s (median {enrich_median:.1f})")
    print(f"ratio enrich/bare:  {enrich_median / bare_median:.2f}x   (target >= 0.90x)")
    cpu_ratio = statistics.median(bare_cpu) / statistics.median(enrich_cpu)
    print(f"CPU s per 1k texts: bare {' '.join(f'{c:.2f}' for c in bare_cpu)}, enrich (with the server) "
          f"{' '.join(f'{c:.2f}' for c in enrich_cpu)}: throughput ratio by CPU {cpu_ratio:.2f}x")


if __name__ == "__main__":
    main()
