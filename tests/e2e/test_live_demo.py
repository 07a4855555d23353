"""The first hour's live path (issue 16): `dtc demo` on a temporary data directory (the whole demo: 3,000 customers,
its worker, and embeddings and model personas computed in the background while it serves), Sydney's page open, and
one event, posted as persona scoring starts, shown on that page and in a GraphQL subscription within 5 s. Before,
subscription messages arrived 15-80 s after the POST, or never: persona scoring's reads held the store for 35-91 s
each, and the worker died on a Redis timeout behind them; the page did not follow new interactions at all."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dtc_process import start_dtc
from held_port import held_port
from pages import Watch

websockets_sync = pytest.importorskip("websockets.sync.client")

LIVE_S = 5.0  # issue 16's bound for what a user trying the demo sees (measured 0.02-0.3 s at load 3-5, 2 cores)
START_S = 300  # generous: generating and loading the demo takes ~10 s on an idle machine


@dataclass(frozen=True)
class Demo:
    base: str
    log: Path


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except OSError:
        return 0, ""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """`dtc demo` as `make run` starts it, in a folder of its own with nothing loaded yet."""
    folder = tmp_path_factory.mktemp("live-demo")
    with held_port() as port:
        yield from _demo_on(folder, port)


def _demo_on(folder: Path, port: int) -> Iterator[Demo]:
    """The `demo` fixture on a port held for it."""
    env = {"DTC_STATE_DIR": str(folder / "state"), "DTC_GRAPH_URL": f"embedded://{folder / '.dtc'}",
           "DTC_GRAPH_NAME": "twin", "DTC_API_KEYS": "", "DTC_REDIS_URL": "", "DTC_EMBEDDED_IDLE_S": "0"}
    log = folder / "demo.log"
    with log.open("w") as out:
        process = start_dtc("demo", "--port", str(port), env=env, cwd=folder, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_S
        while _get(base + "/healthz")[0] != 200:
            assert process.poll() is None, f"dtc demo exited with {process.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"dtc demo did not serve within {START_S} s:\n{log.read_text()}"
            time.sleep(0.5)
        while "feedback search is ready" not in log.read_text():  # persona scoring starts now: the worst moment
            assert process.poll() is None, f"dtc demo exited with {process.returncode}:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"dtc demo did not enrich within {START_S} s:\n{log.read_text()}"
            time.sleep(0.2)
        yield Demo(base, log)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(300)  # generous: the last user compacts the grown store before stopping it
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert "dtc demo: stopped" in log.read_text()


def _subscriptions(base: str) -> int:
    status, text = _get(base + "/metrics")
    lines = [line for line in text.splitlines() if line.startswith("dtc_subscriptions_active ")]
    return int(lines[0].split()[1]) if status == 200 and lines else 0


def _wait_for_subscriptions(base: str, count: int, timeout_s: float = 120) -> None:
    """Generous: the demo is scoring personas meanwhile, and the machine may be busy besides."""
    deadline = time.monotonic() + timeout_s
    while _subscriptions(base) < count:
        assert time.monotonic() < deadline, f"{count} subscriptions were not listening within {timeout_s} s"
        time.sleep(0.1)


def test_a_posted_event_is_on_the_customer_page_and_in_a_subscription_within_5_s(demo: Demo, browser: Any) -> None:
    page = browser.new_page()
    watch = Watch(demo.base)
    watch.attach(page)
    page.goto(demo.base + "/customers/sydney")
    page.wait_for_selector("body[data-state=ready]", timeout=60_000)
    shown_before = page.text_content("#customer-summary") or ""
    _wait_for_subscriptions(demo.base, 1)  # the page follows Sydney live

    received: list[tuple[float, dict[str, Any]]] = []
    with websockets_sync.connect(demo.base.replace("http", "ws") + "/graphql",
                                 subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(ws.recv(timeout=30))["type"] == "connection_ack"
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": 'subscription { interactionRecorded(customerId: "sydney") { id type touchpoint { code } } }'}}))
        _wait_for_subscriptions(demo.base, 2)

        def listen() -> None:
            message = json.loads(ws.recv(timeout=60))
            received.append((time.monotonic(), message))

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        event_id = f"live-{time.time_ns()}"
        at = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = json.dumps({"event_id": event_id, "customer_id": "sydney", "ts": at, "channel": "web",
                           "touchpoint": "product_page", "type": "view"}).encode()
        posted = time.monotonic()
        request = urllib.request.Request(demo.base + "/events", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert answer.status == 202
        page.wait_for_function("id => document.querySelector('#live-latest')?.textContent === id", arg=event_id,
                               timeout=60_000)
        on_page = time.monotonic() - posted
        listener.join(60)
    assert received, "no subscription message within 60 s"
    in_subscription = received[0][0] - posted
    assert received[0][1]["type"] == "next"
    assert received[0][1]["payload"]["data"]["interactionRecorded"] == {
        "id": event_id, "type": "view", "touchpoint": {"code": "product_page"}}
    scoring = "model personas scored" not in demo.log.read_text()
    print(f"posted event: in the subscription after {in_subscription:.2f} s, on the page after {on_page:.2f} s "
          f"({'while' if scoring else 'after'} the model personas were scored)")
    assert in_subscription < LIVE_S and on_page < LIVE_S, (in_subscription, on_page, demo.log.read_text())
    # the page drew the twin again from the graph: one more interaction than it showed before
    page.wait_for_function("before => document.querySelector('#customer-summary').textContent !== before",
                           arg=shown_before, timeout=30_000)
    count = lambda text: int(text.split(", ")[1].split()[0])  # noqa: E731 - "4 journeys, 12 interactions shown; …"
    assert count(page.text_content("#customer-summary") or "") == count(shown_before) + 1
    assert not watch.problems and not watch.outside, (watch.problems, watch.outside)
    page.close()


def test_the_demo_serves_its_dashboard_and_an_offline_graphiql(demo: Demo, browser: Any) -> None:
    """The rest of the first hour on the same `dtc demo`: the dashboard's home page draws without a key (the demo is
    open on loopback), and GraphiQL renders its editor and runs its example with every outside request aborted."""
    page = browser.new_page()
    watch = Watch(demo.base)
    watch.attach(page)
    try:
        page.goto(demo.base + "/")
        page.wait_for_selector("body[data-state=ready]", timeout=60_000)
        page.goto(demo.base + "/graphql")
        page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=60_000)
        page.click(".graphiql-execute-button")
        page.wait_for_function("() => (document.querySelector('.graphiql-response')?.innerText || '')"
                               ".includes('frictionToCompetitors')", timeout=60_000)
        assert watch.outside == []
        assert watch.problems == []
    finally:
        page.close()
