"""Benchmark: the demo generator writes 1M events in under a minute (the budget of issue 7).

    .venv/bin/python bench/generate.py [--customers N] [--gzip]

Prints events/s and the projected time for 1M events, measured in this run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.generator import generate  # noqa: E402

BUDGET_S_PER_MILLION = 60.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=86_000, help="about 11.6 events each; 86k gives ~1M events")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--gzip", action="store_true", help="write events.jsonl.gz")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dtc-bench-generate-") as out:
        report = generate(Path(out), customers=args.customers, seed=args.seed, gzip_events=args.gzip)
        size_mb = report.events_path.stat().st_size / 1e6
    per_million = report.seconds / report.events * 1e6
    print(f"generated {report.events:,} events for {report.customers:,} customers in {report.seconds:.1f} s "
          f"({report.events_per_second:,.0f} events/s, events file {size_mb:.0f} MB{' gzip' if args.gzip else ''})")
    print(f"projected time for 1M events: {per_million:.1f} s; budget {BUDGET_S_PER_MILLION:.0f} s; "
          f"ratio {per_million / BUDGET_S_PER_MILLION:.2f} of budget")
    return 0 if per_million <= BUDGET_S_PER_MILLION else 1


if __name__ == "__main__":
    sys.exit(main())
