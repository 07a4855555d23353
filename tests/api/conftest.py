"""API test fixtures: the Sydney example in a real store (every engine: tests/conftest.py), and a TestClient over
create_app wired the way `dtc serve` wires it (the ingest side's doors). What the doors queue reaches the graph once a
test asks for the `worker` fixture too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

import pytest
from api_client import KEYS, OPEN, Api, MakeApi, Serve
from held_port import held_port
from starlette.testclient import TestClient

from api.app import create_app
from graph.settings import ApiLimits, Settings
from graph.store import GraphStore
from ingest.batch import ingest_files
from ingest.doors import open_doors


@pytest.fixture
def sydney(store: GraphStore, store_settings: Settings, examples: Path, tmp_path: Path) -> GraphStore:
    """The Sydney example loaded the way users load data: through the whole ingest path."""
    report = ingest_files(store, store_settings, catalog=examples / "catalog.yaml",
                          customers=[examples / "customers.jsonl"], events=[examples / "events.jsonl"],
                          rejects=tmp_path / "rejects.jsonl")
    assert report.ingested == 7, report
    store.round_trips = 0
    return store


@pytest.fixture
def make_api(store: GraphStore, store_settings: Settings) -> Iterator[MakeApi]:
    """Build an Api over the test's store: `make_api(keys=KEYS, limits=OPEN)`."""
    clients: list[TestClient] = []

    def make(keys: dict[str, str] | None = None, limits: ApiLimits = OPEN) -> Api:
        settings = replace(store_settings, api_keys=keys or {})
        client = TestClient(create_app(settings, store, limits, doors=open_doors), base_url="http://localhost")
        client.__enter__()
        clients.append(client)
        return Api(client, store)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def api(sydney: GraphStore, make_api: MakeApi) -> Api:
    """Open dev mode (no keys: the caller is admin) over the Sydney example."""
    return make_api()


@pytest.fixture
def keyed(sydney: GraphStore, make_api: MakeApi) -> Api:
    """Keys for each role over the Sydney example."""
    return make_api(keys=KEYS)


@pytest.fixture
def serve(store_settings: Settings, store_env: dict[str, str]) -> Iterator[Serve]:
    """`serve(**env)`: `dtc serve` in its own process over the test's store, with extra environment such as
    DTC_API_DEADLINE_MS; its base URL. Stopped at the end of the test."""
    processes: list[subprocess.Popen[bytes]] = []
    ports = ExitStack()

    def start(**env: str) -> str:
        port = ports.enter_context(held_port())
        url = f"http://127.0.0.1:{port}"
        environment = {**os.environ, **store_env, **env}
        if "DTC_API_KEYS" not in env:
            environment.pop("DTC_API_KEYS", None)
        proc = subprocess.Popen([sys.executable, "-m", "dtc.cli", "--store", store_settings.graph_url, "serve",
                                 "--port", str(port)], env=environment, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        processes.append(proc)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=2)
                return url
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("dtc serve did not answer /healthz")
                time.sleep(0.1)

    with ports:
        yield start
        for proc in processes:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
