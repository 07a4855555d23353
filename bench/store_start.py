"""Consecutive `dtc` commands against a stopped embedded store: each one starting and stopping the server, against
the server staying up for the next command (DTC_EMBEDDED_IDLE_S), measured in the same run.

    .venv/bin/python bench/store_start.py              # the demo twin (3,000 customers, ~35,000 events), 9 rounds

Per round, from a stopped store: two `dtc stats --json` in a row with DTC_EMBEDDED_IDLE_S=0 (the last user stops
the server: every command pays its start and stop), then, from a stopped store again, the same two with the default
idle period (the first starts the server, the second attaches to it). Rounds alternate the two so that load changes
hit both. Prints medians of each command and of the pair, a bare `dtc cypher list` (no store: interpreter and
imports), and the load average at start and end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.generator import generate  # noqa: E402


def dtc(store: Path, *args: str, idle: str | None) -> float:
    env = {k: v for k, v in os.environ.items() if k != "DTC_EMBEDDED_IDLE_S"}
    if idle is not None:
        env["DTC_EMBEDDED_IDLE_S"] = idle
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dtc.cli", "--store", f"embedded://{store}", *args], check=True,
                   stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        work, store = Path(tmp) / "data", Path(tmp) / "store"
        report = generate(work, customers=args.customers, seed=7)
        dtc(store, "ingest", "--quiet", "--catalog", str(work / "catalog.yaml"), "--customers",
            str(work / "customers.jsonl"), str(work / "events.jsonl"), idle="0")
        print(f"store: {report.customers} customers, {report.events} events")
        timings: dict[str, list[tuple[float, float]]] = {"every command starts the server": [],
                                                          "the server stays up": []}
        bare = []
        for _ in range(args.rounds):
            for label, idle in (("every command starts the server", "0"), ("the server stays up", None)):
                dtc(store, "store", "stop", idle="0")
                timings[label].append((dtc(store, "stats", "--json", idle=idle),
                                       dtc(store, "stats", "--json", idle=idle)))
            bare.append(dtc(store, "cypher", "list", idle="0"))
        dtc(store, "store", "stop", idle="0")
    for label, pairs in timings.items():
        first, second = statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
        both = statistics.median(p[0] + p[1] for p in pairs)
        print(f"{label:<34} first {first:.2f} s, second {second:.2f} s, both {both:.2f} s (medians of {len(pairs)})")
    print(f"{'`dtc cypher list` (no store)':<34} {statistics.median(bare):.2f} s")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
