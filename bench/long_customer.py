"""Customers with a long history of one kind against an ordinary one, measured in the same run.

    .venv/bin/python bench/long_customer.py          # 15,000 persona spans; 20,000 events in one journey
    .venv/bin/python bench/long_customer.py --spans 3000 --events 2000 --journey 5000

Three customers: "short" declares 3 persona spans and has 500 events (--events); "spans" has the same events and
declares 15,000 spans (--spans; a persona scored daily for years leaves thousands, a customer file can declare them
at once); "journey" declares 3 spans and has 20,000 events a second apart (--journey), one journey (a bot, a kiosk).
Per customer, on one embedded store: the first ingest of its events (`dtc ingest`, whole process), the read of its
live-state inputs (`live-inputs`, twice per repair), the twin (`customer-twin`, the analyst's query) and a late event
(`dtc ingest` of one event older than its last: the repair path folds the customer again), each the best of 3 but
the first ingest; last its erasure (`dtc erase`, whole process). Prints each time and its ratio to "short". Before
28 November 2026 (second session) each grew with spans x events, and a journey's cost with the square of its events;
before 28 November 2026 (third session) the journey's ingest and erasure with its events times a batch's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph.embedded import start_or_attach  # noqa: E402
from graph.falkordb_store import FalkorDBStore  # noqa: E402

GRAPH = "bench_long_customer"
DAY_MS = 86_400_000


def dtc(store_dir: Path, state_dir: Path, *args: str) -> float:
    """Seconds `dtc ARGS…` took, whole process."""
    env = dict(os.environ, DTC_GRAPH_NAME=GRAPH, DTC_STATE_DIR=str(state_dir))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dtc.cli", "--store", f"embedded://{store_dir}", *args], check=True,
                   stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
    return time.perf_counter() - started


def rfc3339(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spans", type=int, default=15_000)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--journey", type=int, default=20_000)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    start = 1_704_067_200_000  # 2024-01-01
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        customers = work / "customers.jsonl"
        with customers.open("w") as out:
            for cid, spans in (("short", 3), ("spans", args.spans), ("journey", 3)):
                personas = [{"persona": f"p{n % 5}", "weight": 0.5, "since": rfc3339(start + n * 60_000),
                             "source": "declared"} for n in range(spans)]
                out.write(json.dumps({"customer_id": cid, "personas": personas}) + "\n")
        for cid, count in (("short", args.events), ("spans", args.events), ("journey", args.journey)):
            with (work / f"events-{cid}.jsonl").open("w") as out:
                for n in range(count):
                    out.write(json.dumps({"event_id": f"{cid}-{n}", "customer_id": cid, "type": "view",
                                          "ts": rfc3339(start + 60 * DAY_MS + n * 1000), "touchpoint": "home",
                                          "channel": "web"}) + "\n")
        store_dir, state_dir = work / "store", work / "state"
        dtc(store_dir, state_dir, "ingest", "--quiet", "--customers", str(customers))
        timings: dict[str, dict[str, float]] = {"short": {}, "spans": {}, "journey": {}}
        for cid in timings:
            timings[cid]["its events' first ingest (dtc ingest)"] = dtc(
                store_dir, state_dir, "ingest", "--quiet", str(work / f"events-{cid}.jsonl"))
        server = start_or_attach(store_dir, idle_s=60)
        store = FalkorDBStore(server.url, "127.0.0.1", server.port, GRAPH)
        for cid in timings:
            for name, params in (("live-inputs", {"ids": [cid]}), ("customer-twin", {"id": cid, "at": None})):
                best = float("inf")
                for _ in range(3):
                    started = time.perf_counter()
                    store.run(name, params)
                    best = min(best, time.perf_counter() - started)
                timings[cid][name] = best
            late = []
            for n in range(3):
                one = work / f"late-{cid}-{n}.jsonl"
                one.write_text(json.dumps({"event_id": f"{cid}-late-{n}", "customer_id": cid, "type": "view",
                                           "ts": rfc3339(start + 50 * DAY_MS + n * 1000), "touchpoint": "home",
                                           "channel": "web"}) + "\n")
                late.append(dtc(store_dir, state_dir, "ingest", "--quiet", str(one)))
            timings[cid]["late event (dtc ingest, whole process)"] = min(late)
        for cid in timings:
            timings[cid]["erasure (dtc erase, whole process)"] = dtc(store_dir, state_dir, "erase", cid)
        store.close()
        server.release()
    print(f"short: 3 spans, {args.events:,} events; spans: {args.spans:,} spans, {args.events:,} events; journey: 3 "
          f"spans, {args.journey:,} events in one journey")
    for name in timings["short"]:
        short, spans, journey = (timings[cid][name] for cid in ("short", "spans", "journey"))
        print(f"{name:40s} short {short * 1000:7.0f} ms   spans {spans * 1000:7.0f} ms ({spans / short:5.1f}x)   "
              f"journey {journey * 1000:7.0f} ms ({journey / short:5.1f}x)")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
