"""The questions the live state answers, timed both ways on the same twin: read from the state (the default
parameters) and scanned from the interactions (a period from epoch 0, which holds every event), answers checked equal.

    .venv/bin/python bench/state_vs_scan.py                     # ~300k interactions (26,000 generated customers)
    .venv/bin/python bench/state_vs_scan.py --customers 9000 --runs 3

The project's generator (fixed seed) writes the files, `ingest_files` loads them into an embedded FalkorDB (keeping
the live state, as every write does) and each question is asked through its `graph.analytics` function, in process:
one warm-up per path, then `--runs` timed runs each; the table gives the medians and their ratio, with the load average
at start and end. Nothing caches an answer between runs (each run executes its Cypher).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "integration"))

from analytics import generated_twin, twin_arguments  # noqa: E402  (bench/analytics.py)
from live_answers import EVERY_EVENT, same  # noqa: E402

from graph.analytics.channels import cx_by_channel  # noqa: E402
from graph.analytics.friction import friction_to_competitors  # noqa: E402
from graph.analytics.journey_map import journey_map  # noqa: E402
from graph.analytics.paths import journey_paths  # noqa: E402
from graph.store import GraphStore  # noqa: E402

PERSONA = "trend-seeker"
Question = Callable[[GraphStore, Any], Any]  # (store, since) -> answer
QUESTIONS: tuple[tuple[str, Question], ...] = (
    ("frictionToCompetitors(trend-seeker)", lambda s, since: friction_to_competitors(s, PERSONA, since=since)),
    ("journeyMap(trend-seeker)", lambda s, since: journey_map(s, PERSONA, since=since)),
    ("journeyPaths(limit 10)", lambda s, since: journey_paths(s, None, 10, since=since)),
    ("journeyPaths(trend-seeker, limit 10)", lambda s, since: journey_paths(s, PERSONA, 10, since=since)),
    ("cx-by-channel", lambda s, since: cx_by_channel(s, since=since)),
)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def median_ms(ask: Callable[[], Any], runs: int) -> tuple[float, Any]:
    answer = ask()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        ask()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), answer


def main() -> int:
    parser = twin_arguments(__doc__, 26_000)
    args = parser.parse_args()
    print(f"load average at start: {loadavg()}")
    with tempfile.TemporaryDirectory(prefix="dtc-bench-state-") as tmp:
        root = args.keep or Path(tmp)
        server, store = generated_twin(root, args.customers, args.seed)
        try:
            ask_both(store, args.runs)
        finally:
            store.close()
            server.release()
        print(f"\nload average at end: {loadavg()}")
    return 0


def ask_both(store: GraphStore, runs: int) -> None:
    """Each question from the state and by the scan: medians, their ratio, and a check that the answers are equal."""
    interactions = store.read("MATCH (i:Interaction) RETURN count(i) AS n")[0]["n"]
    print(f"\n{interactions:,} interactions in the twin\n")
    print("| question | from the state, median ms | scan, median ms | scan / state | answers equal |")
    print("| --- | ---: | ---: | ---: | --- |")
    for name, question in QUESTIONS:
        state_ms, state = median_ms(partial(question, store, None), runs)
        scan_ms, scan = median_ms(partial(question, store, EVERY_EVENT), runs)
        same(state, scan, name)  # raises on any difference
        print(f"| {name} | {state_ms:,.1f} | {scan_ms:,.0f} | {scan_ms / state_ms:,.0f}x | yes |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
