"""Load the GraphQL API from a second process on loopback and compare it with the Cypher it runs.

    .venv/bin/python bench/api.py                          # 100k interactions, 10k customers
    .venv/bin/python bench/api.py --interactions 20000 --seconds 3

A generated graph (bench/queries.py's generator) goes into an embedded FalkorDB; `dtc serve` runs in its own process
against it (rate limit off); this process drives it with async httpx clients at 1, 8 and 32 concurrent clients for
two operations: `customer(id)` with its current personas and first 5 journeys with interactions, and
`frictionToCompetitors(persona)`. Reported per level: requests/s, p50/p95/p99 latency, errors. The GraphQL overhead
is the median API latency at 1 client divided by the median of the same Cypher run directly through the store port
in this process, measured alternately in the same run. Target: overhead < 1.5x on frictionToCompetitors, 0 errors.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from queries import PERSONAS, load  # noqa: E402

from graph import reads  # noqa: E402
from graph.embedded import start_or_attach  # noqa: E402
from graph.falkordb_store import FalkorDBStore  # noqa: E402
from graph.live_state.repair import rebuild  # noqa: E402
from graph.store import GraphStore  # noqa: E402

CUSTOMER = """query($id: ID!) { customer(id: $id) { id personas { persona { code name } weight since }
  journeys(first: 5) { totalCount edges { node { id startedAt endedAt
    interactions { id at type touchpoint { code stage } channel { code } frictions { code } } } } } } }"""
FRICTIONS = """query($persona: String!) { frictionToCompetitors(persona: $persona) { friction { code name }
  exposed switched rate baselineRate lift ciLow ciHigh competitors { competitor { code } count } } }"""
LEVELS = (1, 8, 32)
MIX_CLIENTS = 8


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used so far (Linux /proc): less sensitive than wall time to the
    other work on a shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def drive(url: str, clients: int, seconds: float, request: Callable[[], dict[str, Any]],
                min_requests: int, until: Callable[[], bool] | None = None) -> dict[str, float]:
    """`clients` loops posting requests for `seconds` (with `until`: until it returns True instead), and at least
    `min_requests` in all."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    def going() -> bool:
        return not until() if until is not None else time.perf_counter() < deadline

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:

        async def client() -> None:
            nonlocal errors
            while going() or len(latencies) + errors < min_requests:
                started = time.perf_counter()
                try:
                    r = await http.post("/graphql", json=request())
                    failed = r.status_code != 200 or bool(r.json().get("errors"))
                except httpx.HTTPError:
                    failed = True
                if failed:
                    errors += 1
                else:
                    latencies.append(time.perf_counter() - started)

        began = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - began
    return {"rps": len(latencies) / elapsed, "p50": percentile(latencies, 0.5) * 1000,
            "p95": percentile(latencies, 0.95) * 1000, "p99": percentile(latencies, 0.99) * 1000,
            "errors": errors, "n": len(latencies)}


def direct_vs_api(store: GraphStore, url: str, runs: int, cypher: Callable[[], object],
                  request: Callable[[], dict[str, Any]]) -> tuple[float, float]:
    """Median ms of the Cypher run directly and of the API, measured alternately (same load on the machine)."""
    direct, api = [], []
    with httpx.Client(base_url=url, timeout=120) as http:
        for _ in range(runs):
            started = time.perf_counter()
            cypher()
            direct.append(time.perf_counter() - started)
            started = time.perf_counter()
            r = http.post("/graphql", json=request())
            api.append(time.perf_counter() - started)
            assert r.status_code == 200 and not r.json().get("errors"), r.text[:200]
    return statistics.median(direct) * 1000, statistics.median(api) * 1000


def customer_twin_direct(store: GraphStore, customer_id: str) -> None:
    """What the customer query reads, as direct batched reads (the floor for the API's answer)."""
    reads.customers_by_ids(store, [customer_id])
    reads.current_personas(store, [customer_id])
    page = reads.journey_pages(store, [customer_id], reads.JourneyPageRequest(first=5))
    journeys = [j["id"] for p in page.values() for j in p.journeys]
    reads.interactions_of_journeys(store, journeys)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=100_000)
    parser.add_argument("--per-customer", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=5.0, help="load duration per operation and level")
    parser.add_argument("--runs", type=int, default=15, help="alternating direct/API runs for the overhead ratio")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    n_customers = max(1, args.interactions // args.per_customer)
    with tempfile.TemporaryDirectory(prefix="dtc-bench-api-") as tmp:
        server = start_or_attach(Path(tmp) / "db")
        store = FalkorDBStore(server.url, "127.0.0.1", server.port, "bench")
        env = {**os.environ, "DTC_GRAPH_NAME": "bench", "DTC_API_RATE": "0", "DTC_STATE_DIR": tmp,
               "HF_HUB_OFFLINE": "1"}
        env.pop("DTC_API_KEYS", None)
        serve: subprocess.Popen[bytes] | None = None
        try:
            store.ensure_schema()
            written, seconds = load(store, n_customers, args.per_customer, args.seed)
            print(f"loaded {written:,} interactions for {n_customers:,} customers in {seconds:.0f} s")
            started = time.perf_counter()  # written straight to the engine: the live state is built as dtc verify does
            folded = rebuild(store)
            print(f"live state of {folded:,} customers built in {time.perf_counter() - started:.0f} s")
            from graph.analytics.friction import friction_to_competitors

            if friction_to_competitors(store, PERSONAS[0]) != friction_to_competitors(store, PERSONAS[0], since=0):
                raise SystemExit("frictionToCompetitors from the live state differs from its scan")
            serve, url = start_serve(server.port, env)
            ids = [r["id"] for r in store.read("MATCH (c:Customer) RETURN c.id AS id LIMIT 5000")]
            rng = random.Random(args.seed)

            def customer_request() -> dict[str, Any]:
                return {"query": CUSTOMER, "variables": {"id": rng.choice(ids)}}

            def friction_request() -> dict[str, Any]:
                return {"query": FRICTIONS, "variables": {"persona": PERSONAS[0]}}

            print("\n| operation | clients | req/s | p50 ms | p95 ms | p99 ms | errors |")
            print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
            for name, request, minimum in (("customer(id) + personas + 5 journeys", customer_request, 50),
                                           ("frictionToCompetitors(persona)", friction_request, 16)):
                for clients in LEVELS:
                    r = asyncio.run(drive(url, clients, args.seconds, request, max(minimum, clients * 2)))
                    print(f"| {name} | {clients} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | "
                          f"{r['p99']:.1f} | {r['errors']:.0f} |")

            def mixed_request() -> dict[str, Any]:  # issue 13's mix: 80% customer twins, 20% frictionToCompetitors
                return customer_request() if rng.random() < 0.8 else friction_request()

            def empty_request() -> dict[str, Any]:
                return {"query": "{ __typename }"}

            print(f"\n| load at {MIX_CLIENTS} clients, same server, same run | req/s | p50 ms | p99 ms | p99 / p50 |")
            print("| --- | ---: | ---: | ---: | ---: |")
            mix = {}
            for name, request in (("{ __typename }", empty_request), ("80% customer twin, 20% frictionToCompetitors",
                                                                      mixed_request)):
                r = mix[name] = asyncio.run(drive(url, MIX_CLIENTS, args.seconds, request, MIX_CLIENTS * 4))
                print(f"| {name} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['p99'] / r['p50']:.1f} |")
            ratio = mix["80% customer twin, 20% frictionToCompetitors"]["rps"] / mix["{ __typename }"]["rps"]
            print(f"mixed / empty throughput: {ratio:.2f} (target >= 0.33)")

            cid = ids[0]
            d_twin, a_twin = direct_vs_api(store, url, args.runs * 3, lambda: customer_twin_direct(store, cid),
                                           lambda: {"query": CUSTOMER, "variables": {"id": cid}})
            d_fric, a_fric = direct_vs_api(store, url, args.runs, lambda: friction_to_competitors(store, PERSONAS[0]),
                                           friction_request)
            print("\n| operation | direct Cypher median ms | API median ms | overhead |")
            print("| --- | ---: | ---: | ---: |")
            print(f"| customer(id) + personas + 5 journeys | {d_twin:.1f} | {a_twin:.1f} | {a_twin / d_twin:.2f}x |")
            print(f"| frictionToCompetitors(persona) | {d_fric:.1f} | {a_fric:.1f} | {a_fric / d_fric:.2f}x |")
        finally:
            if serve is not None:
                stop_serve(serve)
            store.close()
            server.release()
    return 0


def start_serve(store_port: int, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`dtc serve` on a free port against the FalkorDB server on `store_port`, once ready, and its URL."""
    port = free_port()
    serve = subprocess.Popen([sys.executable, "-m", "dtc.cli", "--store", f"falkordb://127.0.0.1:{store_port}",
                              "serve", "--port", str(port)], env=env, cwd=HERE.parent)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, serve)
    except BaseException:
        stop_serve(serve)
        raise
    return serve, url


def stop_serve(serve: subprocess.Popen[bytes]) -> None:
    serve.terminate()
    serve.wait(timeout=30)


def wait_until_ready(url: str, serve: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if serve.poll() is not None:
            raise SystemExit(f"dtc serve exited with {serve.returncode}")
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("dtc serve did not become ready in 120 s")


if __name__ == "__main__":
    sys.exit(main())
