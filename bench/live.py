"""How soon a posted event is in the twin and in a subscription, on the demo (`dtc demo`, what `make run` runs).

    .venv/bin/python bench/live.py                    # 100 events, 3,000-customer demo
    .venv/bin/python bench/live.py --events 30 --customers 1000

`dtc demo` starts in a temporary folder (it generates and loads the demo set, then serves with its worker and
computes embeddings and model personas in the background). As soon as the embeddings are ready (persona scoring
starts), this process posts events one at a time, each for a random demo customer and hitting a friction (so it
changes her twin and her persona's friction counts): before each, it subscribes to that customer's
`interactionRecorded` and waits until the server listens (/metrics), then POSTs the event and measures the seconds
until (a) the subscription delivers it, (b) the customer's twin query (`customer(id) { journeys(first: 1,
newestFirst: true) ... }`) shows it and (c) her persona's `frictionToCompetitors` row of the friction counts her,
each polled every 20 ms. Each event is chosen to change that row: the customer is a persona P since before the
event's ts, and the friction is one she has never hit, so her first hit while P adds one to P's `exposed` for it.
Each event is marked as posted while persona scoring ran or after it finished. Prints p50/p95/max per phase, the
slow store calls `dtc demo` logged, and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parent.parent
TWIN = """query($id: ID!) { customer(id: $id) { journeys(first: 1, newestFirst: true) { edges { node {
  interactions { id } } } } } }"""
CHOICE = """query($id: ID!) { customer(id: $id) { personas { persona { code } since } frictions { code }
  consents { purpose granted } } }"""
ROW = """query($p: String!) { frictionToCompetitors(persona: $p, limit: 100) { friction { code } exposed } }"""
WATCH = "subscription($id: ID!) { interactionRecorded(customerId: $id) { id } }"
FRICTIONS = ("cant_find_product", "colour_mismatch", "long_wait", "late_delivery", "out_of_stock")  # demo catalog


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--customers", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dtc-live-") as folder:
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        log = Path(folder) / "demo.log"
        env = {**os.environ, "DTC_STATE_DIR": f"{folder}/state", "DTC_GRAPH_URL": f"embedded://{folder}/.dtc",
               "DTC_GRAPH_NAME": "twin", "DTC_API_KEYS": "", "DTC_REDIS_URL": "", "DTC_EMBEDDED_IDLE_S": "0"}
        with log.open("w") as out:
            demo = subprocess.Popen([sys.executable, "-m", "dtc.cli", "demo", "--port", str(port), "--customers",
                                     str(args.customers)], cwd=folder, env=env, stdout=out,
                                    stderr=subprocess.STDOUT)
        try:
            _wait_for(lambda: "feedback search is ready" in log.read_text(), demo, log)
            customers = _customer_ids(Path(folder) / "state" / "demo-data" / "customers.jsonl")
            samples = [_one_event(base, *_choose(base, customers), log) for _ in range(args.events)]
        finally:
            demo.send_signal(signal.SIGINT)
            demo.wait(120)
        text = log.read_text()
    for phase in ("while scoring personas", "after scoring"):
        chosen = [s for s in samples if s["phase"] == phase]
        if chosen:
            print(f"{phase}: {len(chosen)} events")
            for what in ("subscription", "twin", "persona row"):
                values = [s[what] for s in chosen]
                print(f"  {what:12s} p50 {statistics.median(values):.3f} s  p95 {_p95(values):.3f} s  "
                      f"max {max(values):.3f} s")
    slow = [line for line in text.splitlines() if "slow store call" in line]
    print(f"slow store calls logged by dtc demo: {len(slow)}")
    for line in slow:
        print("  " + line.split("WARNING dtc.store: ")[-1])
    scored = [line for line in text.splitlines() if "model personas scored" in line]
    print(scored[0] if scored else "model personas not scored when the run ended")
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}")
    return 0


def _choose(base: str, customers: list[str]) -> tuple[str, str, str]:
    """A customer who is a persona since before the event's ts (a minute ago), her persona, and a friction she has
    never hit; not one who refused analytics (the questions leave her out)."""
    before = (datetime.now(UTC) - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for _ in range(1000):
        customer = random.choice(customers)
        twin = _post(base + "/graphql", {"query": CHOICE, "variables": {"id": customer}})["data"]["customer"]
        personas = [a["persona"]["code"] for a in twin["personas"] if a["since"] is None or a["since"] < before]
        fresh = [f for f in FRICTIONS if f not in {h["code"] for h in twin["frictions"]}]
        refused = any(c["purpose"] == "analytics" and not c["granted"] for c in twin["consents"])
        if personas and fresh and not refused:
            return customer, random.choice(personas), random.choice(fresh)
    raise SystemExit("no demo customer is a persona with a friction left to hit")


def _exposed(base: str, persona: str, friction: str) -> int:
    rows = _post(base + "/graphql", {"query": ROW, "variables": {"p": persona}})["data"]["frictionToCompetitors"]
    return next((int(r["exposed"]) for r in rows if r["friction"]["code"] == friction), 0)


def _one_event(base: str, customer: str, persona: str, friction: str, log: Path) -> dict[str, Any]:
    exposed_before = _exposed(base, persona, friction)
    listening = _subscriptions(base)
    with connect(base.replace("http", "ws", 1) + "/graphql", subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init"}))
        ws.recv(timeout=30)
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": WATCH,
                                                                        "variables": {"id": customer}}}))
        deadline = time.monotonic() + 30
        while _subscriptions(base) <= listening and time.monotonic() < deadline:
            time.sleep(0.02)
        phase = "after scoring" if "model personas scored" in log.read_text() else "while scoring personas"
        event_id = f"bench-live-{time.time_ns()}"
        at = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        event = {"event_id": event_id, "customer_id": customer, "ts": at, "channel": "web",
                 "touchpoint": "product_page", "type": "search", "outcome": "failure",
                 "friction": [friction], "experience": "negative"}
        delivered: list[float] = []

        def listen() -> None:
            if json.loads(ws.recv(timeout=60)).get("type") == "next":
                delivered.append(time.monotonic())

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        posted = time.monotonic()
        _post(base + "/events", event)
        twin = row = float("inf")
        while time.monotonic() - posted < 60 and float("inf") in (twin, row):
            if twin == float("inf") and event_id in json.dumps(
                    _post(base + "/graphql", {"query": TWIN, "variables": {"id": customer}})):
                twin = time.monotonic() - posted
            if row == float("inf") and _exposed(base, persona, friction) > exposed_before:
                row = time.monotonic() - posted
            time.sleep(0.02)
        listener.join(60)
    return {"phase": phase, "subscription": delivered[0] - posted if delivered else float("inf"), "twin": twin,
            "persona row": row}


def _post(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.loads(answer.read())


def _subscriptions(base: str) -> int:
    with urllib.request.urlopen(base + "/metrics", timeout=30) as answer:
        for line in answer.read().decode().splitlines():
            if line.startswith("dtc_subscriptions_active "):
                return int(line.split()[1])
    return 0


def _customer_ids(path: Path) -> list[str]:
    return [json.loads(line)["customer_id"] for line in path.read_text().splitlines() if line.strip()]


def _wait_for(ready: Any, demo: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 600
    while not ready():
        if demo.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"dtc demo did not get ready:\n{log.read_text()}")
        time.sleep(0.1)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    sys.exit(main())
