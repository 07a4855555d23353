"""The Segment path against the native one: the same events posted as Segment batches to `/v1/batch` and as native
batches to `POST /events`, each applied by a `dtc worker`, in the same run.

    .venv/bin/python bench/segment.py                       # ~17,000 events, batches of 500, 4 clients, 3 rounds
    .venv/bin/python bench/segment.py --customers 400 --batch 200 --rounds 2 --clients 1

1. Generates events with the project's generator (fixed seed) and converts them to Segment `track`/`page`/`screen`
   messages with the test-only converter (tests/segment_converter.py), so both sides carry the same events.
2. Serves the twin (`dtc serve`, rate limit off, an ingest key) over an embedded FalkorDB, with one `dtc worker` per
   graph being filled.
3. Each round, native and Segment in turn (the order alternates), into fresh graphs: `--clients` concurrent clients
   post every batch (as several SDK instances would), and the clock stops when the worker has applied the last event
   (the graph holds them all). Reported: events per second end to end for each path, the ratio Segment / native per
   round and its median (target >= 0.9), when the last post was answered, and the load average at the start and end.
4. Beside the clock, the CPU seconds each path took from the first post to the last event applied (Linux /proc):
   `dtc serve` (the door: HTTP, reading, mapping, validation, queuing) and `dtc worker` + FalkorDB (applying), per
   1,000 events. Other work on the machine stretches the clock far more than it changes these.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from segment_converter import PAGE_MAPPING_YAML, convert  # noqa: E402

from api import cpu_seconds, free_port, wait_until_ready  # noqa: E402
from graph.embedded import start_or_attach  # noqa: E402
from graph.falkordb_store import FalkorDBStore  # noqa: E402
from ingest.generator import generate  # noqa: E402

KEY = "bench-ingest"


def batches(items: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


class Timing(NamedTuple):
    applied_s: float  # until the worker applied every event
    posted_s: float  # until the last post was answered
    door_cpu_s: float  # CPU seconds of `dtc serve` meanwhile
    apply_cpu_s: float  # CPU seconds of `dtc worker` and the FalkorDB server meanwhile


def run_path(url: str, path: str, bodies: list[bytes], store: FalkorDBStore, expected: int,
             headers: dict[str, str], clients: int, door: int, appliers: tuple[int, ...]) -> Timing:
    """The batches posted by `clients` concurrent clients (as many SDK instances send at once) until the worker
    applied them all: the clock and the CPU seconds of the door (pid `door`) and of the `appliers`."""
    cpu_started = cpu_seconds(door), sum(map(cpu_seconds, appliers))
    started = time.perf_counter()

    def post(body: bytes) -> None:
        with httpx.Client(base_url=url, timeout=120, headers=headers) as client:
            r = client.post(path, content=body)
        if r.status_code not in (200, 202) or r.json().get("rejected") not in (None, 0, []):
            raise SystemExit(f"{path} answered {r.status_code}: {r.text[:300]}")

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(post, bodies))
    posting = time.perf_counter() - started
    while store.read("MATCH (i:Interaction) RETURN count(i) AS n")[0]["n"] < expected:
        time.sleep(0.02)
    applied = time.perf_counter() - started
    return Timing(applied, posting, cpu_seconds(door) - cpu_started[0],
                  sum(map(cpu_seconds, appliers)) - cpu_started[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1500, help="generated customers (~13 events each)")
    parser.add_argument("--batch", type=int, default=500, help="events per request")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4, help="concurrent posting clients")
    args = parser.parse_args()
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(folder / "demo", customers=args.customers, seed=7)
        native = [json.loads(line) for line in (folder / "demo" / "events.jsonl").read_text().splitlines()]
        segment = list(convert(folder / "demo" / "events.jsonl", folder / "demo" / "customers.jsonl"))
        (folder / "segment.yaml").write_text(PAGE_MAPPING_YAML)
        native_bodies = [json.dumps(b).encode() for b in batches(native, args.batch)]
        segment_bodies = [json.dumps({"batch": b, "sentAt": None}).encode() for b in batches(segment, args.batch)]
        native_mb, segment_mb = sum(map(len, native_bodies)) / 1e6, sum(map(len, segment_bodies)) / 1e6
        print(f"{len(native):,} events in {len(native_bodies)} batches of {args.batch}; native {native_mb:.1f} MB, "
              f"Segment {segment_mb:.1f} MB ({sum(len(gzip.compress(b)) for b in segment_bodies) / 1e6:.1f} MB "
              "gzip, not used)")
        server = start_or_attach(folder / "db")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DTC_API_RATE": "0", "DTC_STATE_DIR": tmp, "DTC_API_KEYS": f"{KEY}:ingest",
               "DTC_IDENTITY_KEY": "bench", "DTC_SEGMENT_MAPPING": str(folder / "segment.yaml"),
               "DTC_API_MAX_BODY_BYTES": str(64 * 1024 * 1024)}
        store_url = f"falkordb://127.0.0.1:{server.port}"
        processes: list[subprocess.Popen[bytes]] = []
        ratios: list[float] = []
        cpu: dict[str, list[tuple[float, float]]] = {"native": [], "segment": []}  # (door, apply) per 1,000 events
        try:
            for n in range(args.rounds):
                timings: dict[str, Timing] = {}
                order = [("native", "/events", native_bodies), ("segment", "/v1/batch", segment_bodies)]
                for name, path, bodies in order if n % 2 == 0 else order[::-1]:
                    graph = f"bench_{name}_{n}"
                    store = FalkorDBStore(server.url, "127.0.0.1", server.port, graph)
                    store.ensure_schema()
                    ingest_files_customers(store_url, graph, folder, env)
                    run_env = {**env, "DTC_GRAPH_NAME": graph}
                    serve = subprocess.Popen([sys.executable, "-m", "dtc.cli", "--store", store_url, "serve", "--port",
                                              str(port)], env=run_env, cwd=ROOT)
                    worker = subprocess.Popen([sys.executable, "-m", "dtc.cli", "--store", store_url, "worker",
                                               "--batch-size", str(args.batch)], env=run_env, cwd=ROOT,
                                              stdout=subprocess.DEVNULL)
                    processes += [serve, worker]
                    wait_until_ready(url, serve)
                    timings[name] = run_path(url, path, bodies, store, len(native),
                                             {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"},
                                             args.clients, serve.pid, (worker.pid, server.pid))
                    cpu[name].append((1000 * timings[name].door_cpu_s / len(native),
                                      1000 * timings[name].apply_cpu_s / len(native)))
                    for process in (serve, worker):
                        process.terminate()
                        process.wait(timeout=60)
                    store.close()
                rates = {k: len(native) / v.applied_s for k, v in timings.items()}
                ratios.append(rates["segment"] / rates["native"])
                print(f"round {n + 1}: native {rates['native']:,.0f} events/s (posted in "
                      f"{timings['native'].posted_s:.1f} s), Segment {rates['segment']:,.0f} events/s (posted in "
                      f"{timings['segment'].posted_s:.1f} s), "
                      f"ratio {ratios[-1]:.2f}; CPU s per 1,000 events, door + applying: "
                      f"native {cpu['native'][-1][0]:.3f} + {cpu['native'][-1][1]:.3f}, "
                      f"Segment {cpu['segment'][-1][0]:.3f} + {cpu['segment'][-1][1]:.3f}")
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
            server.release()
    load_end = os.getloadavg()
    door, apply = ({k: statistics.median(c[i] for c in v) for k, v in cpu.items()} for i in (0, 1))
    print(f"median CPU s per 1,000 events: door native {door['native']:.3f}, Segment {door['segment']:.3f}; "
          f"applying native {apply['native']:.3f}, Segment {apply['segment']:.3f}")
    print(f"median ratio Segment / native: {statistics.median(ratios):.2f} (target >= 0.9); "
          f"load average {load_start[0]:.2f} -> {load_end[0]:.2f}")
    return 0


def ingest_files_customers(store_url: str, graph: str, folder: Path, env: dict[str, str]) -> None:
    """The catalog and customer file first (not timed): both paths then resolve the same customers."""
    subprocess.run([sys.executable, "-m", "dtc.cli", "--store", store_url, "ingest", "--quiet", "--catalog",
                    str(folder / "demo" / "catalog.yaml"), "--customers", str(folder / "demo" / "customers.jsonl")],
                   env={**env, "DTC_GRAPH_NAME": graph}, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    raise SystemExit(main())
