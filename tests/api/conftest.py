"""API test fixtures: the Sydney example in a real embedded graph, and a TestClient over create_app."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from api_client import KEYS, OPEN, Api
from starlette.testclient import TestClient

from api.app import create_app
from api.limits import Limits
from graph.settings import Settings
from graph.store import GraphStore
from ingest.batch import ingest_files


@pytest.fixture
def sydney(store: GraphStore, store_settings: Settings, examples: Path, tmp_path: Path) -> GraphStore:
    """The Sydney example loaded the way users load data: through the whole ingest path."""
    settings = replace(store_settings, state_dir_override=str(tmp_path / "state"))
    report = ingest_files(store, settings, catalog=examples / "catalog.yaml", customers=[examples / "customers.jsonl"],
                          events=[examples / "events.jsonl"], rejects=tmp_path / "rejects.jsonl")
    assert report.ingested == 7, report
    store.round_trips = 0
    return store


MakeApi = Callable[..., Api]


@pytest.fixture
def make_api(store: GraphStore, store_settings: Settings, tmp_path: Path) -> Iterator[MakeApi]:
    """Build an Api over the test's store: `make_api(keys=KEYS, limits=OPEN)`."""
    clients: list[TestClient] = []

    def make(keys: dict[str, str] | None = None, limits: Limits = OPEN) -> Api:
        settings = replace(store_settings, api_keys=keys or {}, state_dir_override=str(tmp_path / "state"))
        client = TestClient(create_app(settings, store, limits))
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
