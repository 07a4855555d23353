"""The official clients, unchanged, pointed at a served twin (`dtc serve` in its own process, a real worker): Segment's
and RudderStack's Python SDKs, @segment/analytics-node run by node, and @segment/analytics-next in Chromium.

Each sends identify, track, page, alias and group; the anonymous history merges into the known customer, sending the
same calls again changes nothing, a malformed message is rejected while the rest is applied, and no SDK reports an
error. The Node and browser clients come from tests/sdk/package-lock.json (`make test` runs `npm ci`)."""

from __future__ import annotations

import http.server
import json
import logging
import shutil
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from api_client import Serve
from running_worker import RunningWorker

from graph.store import GraphStore

SDK = Path(__file__).resolve().parents[1] / "sdk"
NODE_MODULES = SDK / "node_modules" / "@segment"
KEYS = "wk-ingest:ingest,adm-key:admin"
WRITE_KEY = "wk-ingest"
CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.slow


@pytest.fixture
def twin(serve: Serve, worker: RunningWorker) -> str:
    return serve(DTC_API_KEYS=KEYS)


def journey_of(store: GraphStore, customer: str) -> list[tuple[str, str]]:
    rows = store.read("MATCH (c:Customer {id: $id})-[:PERFORMED]->(i:Interaction) RETURN i.type AS type, "
                      "i.touchpoint AS touchpoint ORDER BY i.ts, i.id", {"id": customer})
    return [(r["type"], r["touchpoint"]) for r in rows]


def assert_the_story_arrived(store: GraphStore, user: str) -> None:
    """What every client sent (see `story`): one customer with the anonymous history, traits, account."""
    customers = store.read("MATCH (c:Customer) WHERE c.merged_into IS NULL RETURN c.id AS id, c.pii_email AS email")
    assert customers == [{"id": user, "email": f"{user}@example.org"}]
    assert journey_of(store, user) == [("page_view", "offers"), ("product_viewed", "product_viewed"),
                                       ("purchase", "order_completed")]
    accounts = store.read("MATCH (:Customer {id: $id})-[:MEMBER_OF]->(a:Account) RETURN a.id AS id", {"id": user})
    assert accounts == [{"id": "acme"}]
    kinds = store.read("MATCH (x:Identity)-[:IDENTIFIES]->(:Customer {id: $id}) RETURN x.kind AS kind "
                       "ORDER BY kind", {"id": user})
    assert [k["kind"] for k in kinds] == ["anonymous_id", "anonymous_id", "email"]


def story(user: str, anonymous: str) -> list[tuple[str, dict[str, Any]]]:
    """(method, keyword arguments in the Python SDKs' names): browse anonymously, sign up, buy, join an account."""
    return [
        ("page", {"anonymous_id": anonymous, "name": "Offers", "properties": {"path": "/offers"}}),
        ("track", {"anonymous_id": anonymous, "event": "Product Viewed", "properties": {"product_id": "p-1"}}),
        ("identify", {"user_id": user, "anonymous_id": anonymous, "traits": {"email": f"{user}@example.org",
                                                                           "plan": "pro"}}),
        ("alias", {"previous_id": f"{anonymous}-old-device", "user_id": user}),
        ("track", {"user_id": user, "event": "Order Completed", "properties": {"revenue": 42.0}}),
        ("group", {"user_id": user, "group_id": "acme", "traits": {"name": "Acme"}}),
        ("track", {"user_id": user, "event": "Rated", "properties": {"csat": 11}}),  # malformed: rejected
    ]


@pytest.mark.parametrize("sdk", ["segment", "rudderstack"])
def test_the_python_sdks_send_everything_and_log_no_error(sdk: str, twin: str, worker: RunningWorker,
                                                          store: GraphStore, caplog: pytest.LogCaptureFixture) -> None:
    if sdk == "segment":
        from segment.analytics import Client
    else:
        from rudderstack.analytics import Client  # type: ignore[no-redef]
    caplog.set_level(logging.DEBUG, logger=sdk)
    failures: list[Any] = []
    client = Client(WRITE_KEY, host=twin, gzip=True, on_error=lambda e, batch: failures.append(e), max_retries=1,
                    upload_interval=0.05)
    start = datetime.now(UTC) - timedelta(minutes=10)
    for n, (method, kwargs) in enumerate(story("ada", "anon-ada")):
        getattr(client, method)(**kwargs, message_id=f"{sdk}-{n}", timestamp=start + timedelta(seconds=n))
    client.flush()
    client.join()
    worker.drain()
    assert failures == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert_the_story_arrived(store, "ada")
    before = store.stats()
    again = Client(WRITE_KEY, host=twin, gzip=False, sync_mode=True, on_error=lambda e, b: failures.append(e))
    for n, (method, kwargs) in enumerate(story("ada", "anon-ada")):  # the same messages again: nothing changes
        getattr(again, method)(**kwargs, message_id=f"{sdk}-{n}", timestamp=start + timedelta(seconds=n))
    worker.drain()
    assert store.stats() == before and failures == []


def node_calls(user: str, anonymous: str) -> list[dict[str, Any]]:
    """`story` in the Node client's parameter names."""
    names = {"anonymous_id": "anonymousId", "user_id": "userId", "previous_id": "previousId", "group_id": "groupId"}
    start = datetime.now(UTC) - timedelta(minutes=10)
    calls = []
    for n, (method, kwargs) in enumerate(story(user, anonymous)):
        params = {names.get(k, k): v for k, v in kwargs.items()}
        params.update(messageId=f"node-{n}", timestamp=(start + timedelta(seconds=n)).isoformat())
        calls.append({"method": method, "params": params})
    return calls


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: apt-get install nodejs npm")
def test_the_node_sdk_sends_everything_and_reports_no_error(twin: str, worker: RunningWorker, store: GraphStore,
                                                           tmp_path: Path) -> None:
    if not (NODE_MODULES / "analytics-node").exists():
        pytest.fail("tests/sdk/node_modules is missing: run `npm ci --prefix tests/sdk` (make test does)")
    calls = tmp_path / "calls.json"
    calls.write_text(json.dumps(node_calls("bea", "anon-bea")))
    for _ in range(2):  # the second run sends the same messages: nothing changes
        done = subprocess.run(["node", str(SDK / "send-node.mjs"), twin, WRITE_KEY, str(calls)], capture_output=True,
                              text=True, timeout=120, cwd=SDK, check=False)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout.strip().splitlines()[-1])
        assert report == {"statuses": [200], "errors": []}, done.stderr
        worker.drain()
        assert_the_story_arrived(store, "bea")


class _PageServer(http.server.SimpleHTTPRequestHandler):
    """The shop's page on its own origin, with the browser library from tests/sdk/node_modules."""

    def translate_path(self, path: str) -> str:
        if path.startswith("/umd/"):
            return str(NODE_MODULES / "analytics-next" / "dist" / "umd" / path.removeprefix("/umd/").split("?")[0])
        return str(SDK / "shop.html")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def shop() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_PageServer, directory=str(SDK)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
def test_the_browser_library_loads_its_settings_from_the_twin_and_sends_everything(
        twin: str, worker: RunningWorker, store: GraphStore, shop: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}: apt-get install -y chromium")
    if not (NODE_MODULES / "analytics-next").exists():
        pytest.fail("tests/sdk/node_modules is missing: run `npm ci --prefix tests/sdk` (make test does)")
    console: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page()
            page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning")
                    else None)
            page.goto(f"{shop}/offers/index.html?twin={twin}&key={WRITE_KEY}&run={uuid.uuid4().hex[:8]}")
            outcome: Callable[[], Any] = lambda: page.evaluate("window.shop.story('cleo')")  # noqa: E731
            assert outcome() == ["ok"] * 6
        finally:
            browser.close()
    worker.drain()
    assert console == []
    customers = store.read("MATCH (c:Customer) WHERE c.merged_into IS NULL RETURN c.id AS id")
    assert customers == [{"id": "cleo"}]
    assert journey_of(store, "cleo") == [("page_view", "offers"), ("product_viewed", "offers"),
                                         ("purchase", "offers")]
    channels = store.read("MATCH (i:Interaction) RETURN DISTINCT i.channel AS channel")
    assert channels == [{"channel": "web"}]
    assert store.read("MATCH (:Customer {id: 'cleo'})-[:MEMBER_OF]->(a:Account) RETURN a.id AS id") == [{"id": "acme"}]


def docs_snippet(language: str) -> str:
    """The first `language` block of docs/segment.md, pointed at the served twin."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "segment.md").read_text(encoding="utf-8")
    block = text.split(f"```{language}\n", 1)[1].split("```", 1)[0]
    return block.replace("wk-shop", WRITE_KEY)


def test_the_python_snippet_of_the_docs_works(twin: str, worker: RunningWorker, store: GraphStore) -> None:
    exec(docs_snippet("python").replace("http://127.0.0.1:8000", twin), {})  # noqa: S102 - our own docs
    worker.drain()
    assert journey_of(store, "u-1") == [("purchase", "order_completed")]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: apt-get install nodejs npm")
def test_the_node_snippet_of_the_docs_works(twin: str, worker: RunningWorker, store: GraphStore) -> None:
    if not (NODE_MODULES / "analytics-node").exists():
        pytest.fail("tests/sdk/node_modules is missing: run `npm ci --prefix tests/sdk` (make test does)")
    script = SDK / f"docs-snippet-{uuid.uuid4().hex[:8]}.mjs"  # beside node_modules, so the import resolves
    script.write_text(docs_snippet("javascript").replace("http://127.0.0.1:8000", twin))
    try:
        done = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=120, check=False)
    finally:
        script.unlink()
    assert done.returncode == 0 and not done.stderr, done.stderr
    worker.drain()
    assert journey_of(store, "u-1") == [("purchase", "order_completed")]
