"""Ingest memory with five times the history: peak RSS of `dtc ingest` for N events and for 5N over the same customers.

    .venv/bin/python bench/ingest_memory.py                                   # 1M and 5M over 86,000 (about an hour)
    .venv/bin/python bench/ingest_memory.py --events 200000 --customers 17200 --state-mb 26   # the same shape, small

DESIGN.md's budget: the peak RSS of the `dtc ingest` process (server excluded) differs by under 10% between 1M and 5M
events and stays under 500 MB. Each run is a fresh `dtc ingest` process on a fresh embedded store, on a file of the
project's bench generator (bench/ingest.py: seed 7, the same customers); its peak RSS is the process's own
(bench/peak_rss.py). A
smaller run keeps the shape when the fold states' budget (`DTC_INGEST_STATE_MB`, default 128) is scaled with the
customers: 128 MB for 86,000 customers is about 26 MB for 17,200.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from ingest import generate, run_ingest  # bench/ingest.py (its process's own peak RSS: bench/peak_rss.py)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=86_000)
    parser.add_argument("--history", type=int, default=5, help="times the history of the second run")
    parser.add_argument("--state-mb", type=float, default=None, help="DTC_INGEST_STATE_MB (default: the twin's)")
    args = parser.parse_args()
    os.environ["DTC_EMBEDDED_IDLE_S"] = "0"  # each run's server stops with its ingest
    if args.state_mb is not None:
        os.environ["DTC_INGEST_STATE_MB"] = str(args.state_mb)
    load = os.getloadavg()[0]
    peaks = []
    for events in (args.events, args.events * args.history):
        with tempfile.TemporaryDirectory(prefix="dtc-bench-memory-") as tmp:
            work = Path(tmp)
            generate(work / "events.jsonl", events, args.customers)
            ingested = run_ingest(work, "bench_memory", 5000, work / "events.jsonl")
        seconds, summary, peak = ingested.seconds, ingested.stdout, ingested.peak_mb
        peaks.append(peak)
        print(f"{events:>10,} events over {args.customers:,} customers: peak RSS {peak:,.0f} MB, {seconds:,.0f} s "
              f"whole process ({events / seconds:,.0f} events/s)\n    {summary}")
    print(f"peak RSS x{args.history} history / x1: {peaks[1] / peaks[0]:.2f} (target < 1.10; each < 500 MB)   "
          f"load {load:.1f} -> {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
