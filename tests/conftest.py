"""Shared fixtures: one real embedded FalkorDB server per test session, a fresh graph per test."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_graph import DemoTwin

from graph.embedded import EmbeddedServer, start_or_attach
from graph.embeddings import Embedder
from graph.falkordb_store import FalkorDBStore
from graph.settings import Settings
from graph.store import GraphStore

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLES = SHARED / "contracts" / "examples"
DATA = SHARED / "data"
_graph_numbers = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    # `dtc` subprocesses stop their embedded server when they leave, as before the idle period existed: a suite
    # would otherwise leave a server per temporary directory running for minutes (tests of the idle period set it)
    os.environ["DTC_EMBEDDED_IDLE_S"] = "0"


@pytest.fixture(scope="session")
def embedded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    server = start_or_attach(tmp_path_factory.mktemp("falkordb"))
    yield server
    server.release()


@pytest.fixture
def store(embedded_server: EmbeddedServer) -> Iterator[GraphStore]:
    """A real FalkorDB store on its own empty graph, schema created."""
    name = f"test{os.getpid()}_{next(_graph_numbers)}"
    s = FalkorDBStore(embedded_server.url, "127.0.0.1", embedded_server.port, name)
    s.ensure_schema()
    yield s
    s._graph.delete()
    s.close()


@pytest.fixture
def store_settings(store: FalkorDBStore, tmp_path: Path) -> Settings:
    """Settings that point at the test's graph on the shared server (for code that opens its own store), with
    local state (checkpoints, rejects list) in the test's temporary directory."""
    return Settings(graph_url=f"falkordb://127.0.0.1:{store.port}", graph_name=store.graph_name,
                    identity_key="test-identity-key", state_dir_override=str(tmp_path / "state"))


@pytest.fixture
def examples() -> Path:
    if not EXAMPLES.exists():
        pytest.skip(f"the contract examples are not at {EXAMPLES}")
    return EXAMPLES


@pytest.fixture
def shared_data() -> Path:
    if not DATA.exists():
        pytest.skip(f"the shared real data is not at {DATA}")
    return DATA


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real default embedding model (all-MiniLM-L6-v2, packaged), loaded once for the whole session."""
    return Embedder()


@pytest.fixture(scope="module")
def demo_twin(embedded_server: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoTwin]:
    """The generated demo set (400 customers with the Sydney example, seed 11) ingested into a graph of its own on
    the shared server, for the tests of one module."""
    from ingest.batch import ingest_files
    from ingest.generator import generate

    tmp = tmp_path_factory.mktemp("demo")
    name = f"demo{os.getpid()}_{next(_graph_numbers)}"
    store = FalkorDBStore(embedded_server.url, "127.0.0.1", embedded_server.port, name)
    store.ensure_schema()
    settings = Settings(graph_url=f"falkordb://127.0.0.1:{embedded_server.port}", graph_name=name,
                        identity_key="demo-identity-key", state_dir_override=str(tmp / "state"))
    report = generate(tmp / "data", customers=400, seed=11)
    ingest_files(store, settings, catalog=report.catalog_path, customers=[report.customers_path],
                 events=[report.events_path], rejects=tmp / "rejects.jsonl")
    try:
        yield DemoTwin(store, settings, tmp / "data")
    finally:
        store._graph.delete()
        store.close()


@pytest.fixture
def sydney_twin(store: FalkorDBStore, store_settings: Settings, examples: Path) -> FalkorDBStore:
    """The Sydney example (two customers, seven events) loaded through the real ingest path into the test's graph."""
    from ingest.batch import ingest_files

    ingest_files(store, store_settings, catalog=examples / "catalog.yaml", customers=[examples / "customers.jsonl"],
                 events=[examples / "events.jsonl"])
    return store
