"""Shared fixtures: one real embedded FalkorDB server per test session, a fresh store per test on every engine.

`store` and `store_settings` (and every fixture built on them) run each test on embedded FalkorDB, and again on Neo4j
when NEO4J_URI is set (with DTC_NEO4J_USER / DTC_NEO4J_PASSWORD / DTC_NEO4J_DATABASE), skipping with the reason
otherwise: `NEO4J_URI=bolt://localhost:7687 DTC_NEO4J_PASSWORD=… make test`. A test about FalkorDB itself says so
with `@pytest.mark.falkordb_only("why")` and runs on FalkorDB alone.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from demo_graph import DemoTwin
from running_worker import RunningWorker

from graph.embedded import EmbeddedServer, start_or_attach
from graph.embeddings import Embedder
from graph.settings import Settings
from graph.store import GraphStore, open_store
from ingest.stream import EventStream, WorkerThread

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
EXAMPLES = SHARED / "contracts" / "examples"
DATA = SHARED / "data"
NO_NEO4J = "NEO4J_URI is not set: no Neo4j server to run this test on (the FalkorDB run covers it here)"
_graph_numbers = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    # `dtc` subprocesses stop their embedded server when they leave, as before the idle period existed: a suite
    # would otherwise leave a server per temporary directory running for minutes (tests of the idle period set it)
    os.environ["DTC_EMBEDDED_IDLE_S"] = "0"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that reaches the `engine` fixture (through `store` or `store_settings`) runs once per engine."""
    if "engine" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("falkordb_only")
        # a skip mark, not a skip in the fixture: the summary then folds the skips to one line per file
        unset = [] if os.environ.get("NEO4J_URI") else [pytest.mark.skip(reason=NO_NEO4J)]
        engines = ["falkordb"] if only else ["falkordb", pytest.param("neo4j", marks=[pytest.mark.neo4j, *unset])]
        metafunc.parametrize("engine", engines, indirect=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """The engine of this run of the test: "falkordb" or "neo4j" (see pytest_generate_tests)."""
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def embedded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    server = start_or_attach(tmp_path_factory.mktemp("falkordb"))
    yield server
    server.release()


def neo4j_settings(settings: Settings, redis_url: str) -> Settings:
    """`settings` pointed at the Neo4j server NEO4J_URI names, with `redis_url` carrying the stream and the writer
    lock (DTC_REDIS_URL, the compose file's Redis in production); skips the test when NEO4J_URI is not set."""
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        pytest.skip(NO_NEO4J)
    return Settings(graph_url=uri, graph_name=settings.graph_name, identity_key=settings.identity_key,
                    state_dir_override=settings.state_dir_override, redis_url=redis_url,
                    neo4j_user=os.environ.get("DTC_NEO4J_USER") or "neo4j",
                    neo4j_password=os.environ.get("DTC_NEO4J_PASSWORD") or None,
                    neo4j_database=os.environ.get("DTC_NEO4J_DATABASE") or "neo4j")


@pytest.fixture
def store_settings(engine: str, embedded_server: EmbeddedServer, tmp_path: Path) -> Settings:
    """Settings of the test's store (for code that opens its own): a graph of its own on the session's FalkorDB
    server, or the Neo4j database (one per server on Community Edition: the `store` fixture empties it), with local
    state (checkpoints, rejects list) in the test's temporary directory and a graph name of its own (it names the
    event stream and the writer lock too)."""
    settings = Settings(graph_url=f"falkordb://127.0.0.1:{embedded_server.port}",
                        graph_name=f"test{os.getpid()}_{next(_graph_numbers)}", identity_key="test-identity-key",
                        state_dir_override=str(tmp_path / "state"))
    return neo4j_settings(settings, embedded_server.url) if engine == "neo4j" else settings


@pytest.fixture
def store_env(store_settings: Settings) -> dict[str, str]:
    """The variables that point `dtc` at the test's store, for a subprocess's environment or `monkeypatch.setenv`
    before calling `dtc.cli.main` (Neo4j's credentials are in the environment already, where NEO4J_URI came from)."""
    env = {"DTC_GRAPH_URL": store_settings.graph_url, "DTC_GRAPH_NAME": store_settings.graph_name,
           "DTC_STATE_DIR": str(store_settings.state_dir), "DTC_IDENTITY_KEY": store_settings.identity_key or ""}
    return {**env, "DTC_REDIS_URL": store_settings.redis_url} if store_settings.redis_url else env


@pytest.fixture
def store(store_settings: Settings) -> Iterator[GraphStore]:
    """A real store, empty, schema created: FalkorDB (a graph of its own) or Neo4j (its database emptied)."""
    s = open_store(store_settings)
    emptied(s)
    s.ensure_schema()
    yield s
    emptied(s)
    s.close()


VECTOR_INDEXES = "SHOW INDEXES YIELD name, type WHERE type = 'VECTOR' RETURN name"


def emptied(store: GraphStore) -> GraphStore:
    """`store` with nothing of another test: no data and, on Neo4j (one database for every test), no vector index
    either, as each is made at the dimension of the test's embedder (3 in the contract suite, 384 for the model)."""
    store.clear()
    if store.engine == "neo4j":
        for row in store.read(VECTOR_INDEXES, name="test-vector-indexes"):
            store.write(f"DROP INDEX `{row['name']}` IF EXISTS", name="test-drop-vector-index")
    return store


@pytest.fixture
def worker(store: GraphStore, store_settings: Settings) -> Iterator[RunningWorker]:
    """`dtc worker` in a thread: what the API's doors queue reaches the graph and the subscriptions."""
    thread = WorkerThread(store, store_settings, block_ms=50)
    thread.start()
    yield RunningWorker(thread, EventStream.connect(store, store_settings))
    thread.stop()
    assert thread.failed is None, thread.failed


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
    the shared FalkorDB server, for the tests of one module (on FalkorDB only: a Neo4j Community server has one
    database, which the per-test `store` empties)."""
    from ingest.batch import ingest_files
    from ingest.generator import generate

    tmp = tmp_path_factory.mktemp("demo")
    settings = Settings(graph_url=f"falkordb://127.0.0.1:{embedded_server.port}",
                        graph_name=f"demo{os.getpid()}_{next(_graph_numbers)}", identity_key="demo-identity-key",
                        state_dir_override=str(tmp / "state"))
    store = open_store(settings)
    store.ensure_schema()
    report = generate(tmp / "data", customers=400, seed=11)
    ingest_files(store, settings, catalog=report.catalog_path, customers=[report.customers_path],
                 events=[report.events_path], rejects=tmp / "rejects.jsonl")
    try:
        yield DemoTwin(store, settings, tmp / "data")
    finally:
        store.clear()
        store.close()


@pytest.fixture
def sydney_twin(store: GraphStore, store_settings: Settings, examples: Path) -> GraphStore:
    """The Sydney example (two customers, seven events) loaded through the real ingest path into the test's graph."""
    from ingest.batch import ingest_files

    ingest_files(store, store_settings, catalog=examples / "catalog.yaml", customers=[examples / "customers.jsonl"],
                 events=[examples / "events.jsonl"])
    return store
