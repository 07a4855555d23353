"""Embedding throughput: the whole enrichment step against the bare model, in the same run.

    .venv/bin/python bench/embeddings.py                 # 2,000 distinct verbatims
    .venv/bin/python bench/embeddings.py --texts 5000 --batch-size 64

N distinct verbatims are written as Interaction nodes into a fresh embedded FalkorDB. The bare rate is
`model.encode(texts)` (batched, normalised) on the same texts, measured before and after the enrichment run (their
mean is the baseline, so drift on a shared machine shows up as a spread, not a bias). The enrichment rate is
`enrich()`'s texts/s: reading the nodes without embeddings, hashing, looking up known hashes, encoding, writing the
vectors (vecf32, vector index) and the EMBEDS links. Target: enrichment >= 0.9x the bare rate.
"""

from __future__ import annotations

import argparse
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
    rng, texts, seen = Random(seed), [], set()
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
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    texts = verbatims(args.texts)
    embedder = Embedder()
    embedder.encode(texts[:64], batch_size=args.batch_size)  # load and warm up the model outside the timings

    def bare() -> float:
        started = time.perf_counter()
        embedder.model.encode(texts, batch_size=args.batch_size, normalize_embeddings=True,
                              convert_to_numpy=True, show_progress_bar=False)
        return len(texts) / (time.perf_counter() - started)

    with tempfile.TemporaryDirectory() as data_dir:
        server = start_or_attach(Path(data_dir))
        store = FalkorDBStore(server.url, "127.0.0.1", server.port, "bench")
        try:
            store.ensure_schema()
            store.write_batches("UNWIND $rows AS row CREATE (:Interaction {id: row.id, ts: row.ts, text: row.text})",
                                [{"id": f"e{n}", "ts": n, "text": t} for n, t in enumerate(texts)])
            before = bare()
            report = enrich(store, embedder, batch_size=args.batch_size)
            after = bare()
            again = enrich(store, embedder, batch_size=args.batch_size)
        finally:
            store.close()
            server.release()
    baseline = (before + after) / 2
    print(f"texts: {len(texts)} distinct, batch size {args.batch_size}, model {embedder.name}")
    print(f"bare model.encode:  {before:8.1f} texts/s before, {after:8.1f} after (mean {baseline:.1f})")
    print(f"enrich():           {report.texts_per_second:8.1f} texts/s ({report.computed} computed, "
          f"{report.linked} linked, {report.seconds:.2f} s)")
    print(f"ratio enrich/bare:  {report.texts_per_second / baseline:8.2f}x   (target >= 0.90x)")
    print(f"second enrich():    {again.computed} computed, {again.linked} linked, {again.seconds:.3f} s (no-op)")


if __name__ == "__main__":
    main()
