"""What the browser tests share: a served dashboard, a watch on what a page does besides rendering, and page
helpers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph.store import GraphStore

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-extensions",
                 "--disable-component-update", "--no-first-run"]
KEYS = {"e2e-admin-key": "admin", "e2e-frontend-key": "frontend"}


@dataclass
class Dashboard:
    base: str
    store: GraphStore
    shots: Path


@dataclass
class Watch:
    """What a page did besides rendering: console errors, uncaught exceptions, requests outside the app (aborted,
    so a page that needs the internet fails here as it would offline), and every URL it asked for."""

    base: str
    problems: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)

    def attach(self, page: Any) -> None:
        page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") and not self._expected(m.text) else None)
        page.on("pageerror", lambda e: self.problems.append(f"uncaught: {e}"))
        page.on("response", lambda r: self.statuses.__setitem__(r.url, r.status))

        def route(r: Any) -> None:
            self.requested.append(r.request.url)
            if r.request.url.startswith(self.base):
                r.continue_()
            else:
                self.outside.append(r.request.url)
                r.abort()
        page.route("**/*", route)

    @staticmethod
    def _expected(text: str) -> bool:
        # chromium logs every non-2xx response it receives; the tests check statuses themselves
        return text.startswith("Failed to load resource: the server responded with a status of")


def open_page(browser: Any, dashboard: Dashboard, path: str, *, ready: bool = True,
              context: Any = None) -> tuple[Any, Watch]:
    """A new page at `path`, watched; with `ready`, after the dashboard script finished drawing."""
    page = (context or browser).new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    watch = Watch(dashboard.base)
    watch.attach(page)
    page.goto(dashboard.base + path)
    if ready:
        page.wait_for_selector("body[data-state=ready]", timeout=30_000)
        page.wait_for_timeout(600)  # chart animations settle before the screenshot
    return page, watch


@contextmanager
def fresh_tab(browser: Any, dashboard: Dashboard, path: str) -> Iterator[tuple[Any, Watch]]:
    """`open_page` in a browser context of its own (its own sessionStorage and cookies), closed afterwards."""
    context = browser.new_context()
    try:
        yield open_page(browser, dashboard, path, context=context)
    finally:
        context.close()


def svg_shapes(page: Any, selector: str) -> int:
    return int(page.eval_on_selector(selector, "el => el.querySelectorAll('svg path, svg rect, svg circle').length"))
