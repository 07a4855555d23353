"""Browser-test fixtures: the demo twin served by the real app over uvicorn (open, and with API keys), Debian's
headless chromium through Playwright, and a watch on what each page does besides rendering."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from demo_graph import DemoTwin
from held_port import held_port
from pages import CHROMIUM, CHROMIUM_ARGS, KEYS, Dashboard

from graph.embeddings import Embedder
from graph.enrichment import enrich

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no chromium at {CHROMIUM}: apt-get install -y chromium to run the browser tests",
                allow_module_level=True)


@pytest.fixture(scope="module")
def serve(demo_twin: DemoTwin, embedder: Embedder,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[dict[str, str]], Dashboard]]:
    """`serve(keys)`: the demo twin (enriched, so feedback search works) behind the real app with those API keys."""
    import uvicorn

    from api.app import create_app
    from ingest.doors import open_doors

    enrich(demo_twin.store, embedder)
    shots = Path(os.environ.get("DTC_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    shots.mkdir(parents=True, exist_ok=True)
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []
    ports = ExitStack()

    def start(keys: dict[str, str]) -> Dashboard:
        port = ports.enter_context(held_port())
        app = create_app(replace(demo_twin.settings, api_keys=keys), store=demo_twin.store, doors=open_doors)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started, "the dashboard server did not start within 30 s"
        return Dashboard(f"http://127.0.0.1:{port}", demo_twin.store, shots)

    try:
        yield start
    finally:
        for server, thread in servers:
            server.should_exit = True
            thread.join(15)
        ports.close()


@pytest.fixture(scope="module")
def dashboard(serve: Callable[[dict[str, str]], Dashboard]) -> Dashboard:
    """Open development mode: no keys, every caller is admin."""
    return serve({})


@pytest.fixture(scope="module")
def keyed_dashboard(serve: Callable[[dict[str, str]], Dashboard]) -> Dashboard:
    """The same twin behind API keys (KEYS)."""
    return serve(KEYS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=shutil.which(CHROMIUM) or CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
