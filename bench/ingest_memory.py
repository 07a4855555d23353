"""Ingest memory with five times the history: peak RSS of `dtc ingest` for N events and for 5N over the same customers.

    .venv/bin/python bench/ingest_memory.py                                   # 1M and 5M over 86,000 (about an hour)
    .venv/bin/python bench/ingest_memory.py --events 200000 --customers 17200 --state-mb 26   # the same shape, small

DESIGN.md's budget: the peak RSS of the `dtc ingest` process (server excluded) differs by under 10% between 1M and 5M
events and stays under 500 MB. Each run is a fresh `dtc ingest` process on a fresh embedded store, on a file of the
project's bench generator (bench/ingest.py: seed 7, the same customers, generated in a process of its own); its peak
RSS is the process's own (bench/peak_rss.py). A
smaller run keeps the shape when the fold states' budget (`DTC_INGEST_STATE_MB`, default 128) is scaled with the
customers: 128 MB for 86,000 customers is about 26 MB for 17,200.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from peak_rss import run_measured  # bench/peak_rss.py

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"


def generate(path: Path, events: int, customers: int) -> None:
    """bench/ingest.py's generator, run in a process of its own: a child's peak RSS counts the memory of its parent
    at the fork, so this process stays small."""
    subprocess.run([str(PYTHON), "-c", "import sys; sys.path.insert(0, sys.argv[1]); from ingest import generate; "
                    "from pathlib import Path; generate(Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))",
                    str(ROOT / "bench"), str(path), str(events), str(customers)], check=True)


def ingest_peak(work: Path, events: Path, state_mb: float | None) -> tuple[float, float, str]:
    """(peak RSS in MB, seconds, summary) of one `dtc ingest` of `events` into a fresh embedded store."""
    env = dict(os.environ, DTC_GRAPH_NAME="bench_memory", DTC_STATE_DIR=str(work / "state"), DTC_EMBEDDED_IDLE_S="0")
    if state_mb is not None:
        env["DTC_INGEST_STATE_MB"] = str(state_mb)
    done = run_measured([str(ROOT / ".venv" / "bin" / "dtc"), "--store", f"embedded://{work / 'store'}", "ingest",
                         "--quiet", str(events)], env)
    if done.returncode != 0:
        sys.exit(f"dtc ingest failed ({done.returncode}): {done.stderr or done.stdout}")
    return done.peak_mb, done.seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=86_000)
    parser.add_argument("--history", type=int, default=5, help="times the history of the second run")
    parser.add_argument("--state-mb", type=float, default=None, help="DTC_INGEST_STATE_MB (default: the twin's)")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    peaks = []
    for events in (args.events, args.events * args.history):
        with tempfile.TemporaryDirectory(prefix="dtc-bench-memory-") as tmp:
            work = Path(tmp)
            generate(work / "events.jsonl", events, args.customers)
            peak, seconds, summary = ingest_peak(work, work / "events.jsonl", args.state_mb)
        peaks.append(peak)
        print(f"{events:>10,} events over {args.customers:,} customers: peak RSS {peak:,.0f} MB, {seconds:,.0f} s "
              f"whole process ({events / seconds:,.0f} events/s)\n    {summary}")
    print(f"peak RSS x{args.history} history / x1: {peaks[1] / peaks[0]:.2f} (target < 1.10; each < 500 MB)   "
          f"load {load:.1f} -> {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
