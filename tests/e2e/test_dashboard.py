"""The dashboard in a real browser (Debian's headless chromium through Playwright) over a real demo twin.

Each page loads without console errors and without a request outside the app, its charts draw (non-empty SVG), and
choosing a friction on the persona page (with the keyboard) lists the customers behind it. Screenshots at 1280x800
go to $DTC_SCREENSHOTS when set (`DTC_SCREENSHOTS=docs/img` refreshes the README's), else to the test's tmp dir.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import DemoTwin

from graph.embeddings import Embedder
from graph.enrichment import enrich
from graph.falkordb_store import FalkorDBStore

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no chromium at {CHROMIUM}: apt-get install -y chromium to run the browser tests",
                allow_module_level=True)

PAGES: dict[str, tuple[str, tuple[str, ...]]] = {  # name: (path, charts that must draw)
    "home": ("/", ("#persona-chart",)),
    "persona": ("/personas/trend-seeker", ("#emotion-chart", "#friction-chart", "#friction-sankey")),
    "customer": ("/customers/sydney", ("#persona-timeline", "#journey-timeline", "#next-steps")),
    "stakeholders": ("/stakeholders", ("#stakeholder-chart",)),
    "search": ("/search?q=my+parcel+came+late", ()),
}


@dataclass
class Dashboard:
    base: str
    store: FalkorDBStore
    shots: Path


@dataclass
class Watch:
    """What a page did besides rendering: console errors, uncaught exceptions, requests outside the app."""

    base: str
    problems: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))

        def route(r: Any) -> None:
            if r.request.url.startswith(self.base):
                r.continue_()
            else:
                self.outside.append(r.request.url)
                r.abort()
        page.route("**/*", route)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def dashboard(demo_twin: DemoTwin, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    import uvicorn

    from api.app import create_app

    enrich(demo_twin.store, embedder)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(demo_twin.settings, store=demo_twin.store), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the dashboard server did not start within 30 s"
    shots = Path(os.environ.get("DTC_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    shots.mkdir(parents=True, exist_ok=True)
    try:
        yield Dashboard(f"http://127.0.0.1:{port}", demo_twin.store, shots)
    finally:
        server.should_exit = True
        thread.join(15)


@pytest.fixture(scope="module")
def browser(dashboard: Dashboard) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=shutil.which(CHROMIUM) or CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-extensions",
            "--disable-component-update", "--no-first-run"])
        yield chromium
        chromium.close()


def _open(browser: Any, dashboard: Dashboard, path: str) -> tuple[Any, Watch]:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    watch = Watch(dashboard.base)
    watch.attach(page)
    page.goto(dashboard.base + path)
    page.wait_for_selector("body[data-state=ready]", timeout=30_000)
    page.wait_for_timeout(600)  # chart animations settle before the screenshot
    return page, watch


def _svg_shapes(page: Any, selector: str) -> int:
    return int(page.eval_on_selector(selector, "el => el.querySelectorAll('svg path, svg rect, svg circle').length"))


@pytest.mark.parametrize("name", list(PAGES))
def test_each_page_loads_cleanly_and_draws_its_charts(browser: Any, dashboard: Dashboard, name: str) -> None:
    path, charts = PAGES[name]
    page, watch = _open(browser, dashboard, path)
    try:
        assert watch.problems == []
        assert watch.outside == []
        # the affected-customers panel has its own test
        alerts = page.locator("main > :not(#affected-panel) [role=alert]")
        assert alerts.count() == 0, alerts.all_inner_texts()
        for chart in charts:
            assert _svg_shapes(page, chart) >= 3, f"{chart} drew nothing on {path}"
        if name == "home":
            assert page.locator("#persona-cards li").count() == 5
            assert "Colour result did not suit her" in page.inner_text("li[data-persona=trend-seeker]")
        if name == "persona":
            assert page.inner_text("#persona-name") == "Trend seeker"
            assert page.locator("#empathy ul[data-quadrant=think] li").count() >= 1
            assert page.locator("#journey-map .stage").count() == 5
            first = page.locator("#friction-table tbody tr").first
            assert first.get_attribute("data-friction") == "colour_mismatch"  # the planted answer on top
        if name == "customer":
            assert page.locator("#journey-list li").count() >= 1
            assert page.locator("#next-actions li").count() >= 1
        if name == "stakeholders":
            assert page.locator("#stakeholder-list li").count() == 7
            assert "gatekeeper" in page.inner_text("li[data-stakeholder=finance]")
        if name == "search":
            assert "parcel" in page.inner_text("#search-results li >> nth=0").lower()
        page.screenshot(path=str(dashboard.shots / f"dashboard-{name}.png"), full_page=True)
    finally:
        page.close()


def test_choosing_a_friction_with_the_keyboard_lists_its_customers(browser: Any, dashboard: Dashboard) -> None:
    page, watch = _open(browser, dashboard, "/personas/bargain-hunter")
    try:
        assert page.locator("#affected-list li").count() > 0  # the top friction is chosen when the page opens
        row = page.locator("#friction-table tbody tr").nth(1)
        friction = row.get_attribute("data-friction")
        exposed = int(row.locator("td").nth(0).inner_text())
        button = row.locator("button.friction-button")
        button.focus()
        page.keyboard.press("Enter")
        page.wait_for_function("code => document.querySelector(`#friction-table tr[data-friction='${code}']`)"
                               ".classList.contains('selected')", arg=friction)
        page.wait_for_function("() => !document.querySelector('#affected-hint').textContent.startsWith('Loading')")
        assert button.get_attribute("aria-pressed") == "true"
        listed = page.locator("#affected-list li")
        assert listed.count() == min(exposed, 60)
        assert f"{exposed} customers hit" in page.inner_text("#affected-hint")
        customer = listed.first.get_attribute("data-customer")
        listed.first.locator("a").click()
        page.wait_for_selector("body[data-state=ready]", timeout=30_000)
        assert page.url.endswith(f"/customers/{customer}")
        assert page.inner_text("#customer-id") == customer
        assert watch.problems == [] and watch.outside == []
    finally:
        page.close()


def test_a_rich_customer_twin_for_the_readme(browser: Any, dashboard: Dashboard) -> None:
    """The switcher with the longest history: personas over time, journeys, prediction and actions on one page."""
    busiest = dashboard.store.read(
        "MATCH (c:Customer)-[:SWITCHED_TO]->(:Competitor) MATCH (c)-[:PERFORMED]->(i:Interaction) "
        "WITH c, count(i) AS n ORDER BY n DESC, c.id LIMIT 1 RETURN c.id AS id")[0]["id"]
    page, watch = _open(browser, dashboard, f"/customers/{busiest}")
    try:
        assert watch.problems == [] and watch.outside == []
        assert _svg_shapes(page, "#journey-timeline") > 10
        assert "Switched to" in page.inner_text("#customer-summary")
        page.screenshot(path=str(dashboard.shots / "dashboard-customer-switcher.png"), full_page=True)
    finally:
        page.close()
