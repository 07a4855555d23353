"""The dashboard behind API keys, unknown pages, and Sydney's page, in a real browser.

Without a key the pages ask for one; the key signs in for the tab (sessionStorage), goes to the API as a bearer
header and nowhere else (no cookie, URL, page text or other storage); personal data shows for the admin role only.
Unknown customers and personas are a not-found page: a 404 at once when the server is open or the request carries a
valid key, and after the data call otherwise, so a browser without a key cannot probe ids.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from pages import KEYS, Dashboard, Watch, fresh_tab, open_page

pytestmark = pytest.mark.browser
ADMIN_KEY, FRONTEND_KEY = "e2e-admin-key", "e2e-frontend-key"
assert KEYS[ADMIN_KEY] == "admin" and KEYS[FRONTEND_KEY] == "frontend"


def sign_in(page: Any, key: str) -> None:
    page.fill("#sign-in-key", key)
    page.press("#sign-in-key", "Enter")
    page.wait_for_load_state("load")
    page.wait_for_selector("body[data-state=ready]", timeout=30_000)


def assert_key_only_in_headers(page: Any, watch: Watch, key: str, sent: list[dict[str, str]]) -> None:
    assert all(key not in url for url in watch.requested)
    assert key not in page.url
    assert page.context.cookies() == []
    assert page.evaluate("Object.values(window.localStorage)") == []
    assert key not in page.content()
    assert sent and all(h.get("authorization") == f"Bearer {key}" for h in sent)


def graphql_headers(page: Any) -> list[dict[str, str]]:
    sent: list[dict[str, str]] = []
    page.on("request", lambda r: sent.append(r.headers) if r.url.endswith("/graphql") else None)
    return sent


def test_without_a_key_the_dashboard_asks_for_one_and_a_frontend_key_signs_in(browser: Any,
                                                                             keyed_dashboard: Dashboard) -> None:
    with fresh_tab(browser, keyed_dashboard, "/") as (page, watch):
        assert page.is_visible("#sign-in") and not page.is_visible("main")
        assert page.locator("#sign-in-error").is_hidden()
        sent = graphql_headers(page)
        sign_in(page, FRONTEND_KEY)
        assert page.locator("#persona-cards li").count() == 5
        assert page.inner_text("#account-role") == "signed in as frontend"
        assert page.evaluate("window.sessionStorage.getItem('dtc.apiKey')") == FRONTEND_KEY

        page.goto(keyed_dashboard.base + "/customers/sydney")
        page.wait_for_selector("body[data-state=ready]", timeout=30_000)
        assert "1 journey," in page.inner_text("#customer-summary")
        assert page.inner_text("#pii-panel") == "Personal data is not shown to the frontend role."
        assert "sydney@example.com" not in page.content()
        assert_key_only_in_headers(page, watch, FRONTEND_KEY, [h for h in sent if "authorization" in h])
        assert watch.problems == [] and watch.outside == []

        page.click("#sign-out")
        page.wait_for_selector("body[data-state=ready]", timeout=30_000)
        assert page.is_visible("#sign-in")
        assert page.evaluate("window.sessionStorage.getItem('dtc.apiKey')") is None


def test_an_unknown_key_is_refused_and_forgotten(browser: Any, keyed_dashboard: Dashboard) -> None:
    with fresh_tab(browser, keyed_dashboard, "/stakeholders") as (page, watch):
        sign_in(page, "not-a-key")
        assert page.is_visible("#sign-in")
        assert page.inner_text("#sign-in-error") == "That key is not known: check it, or ask an admin for one."
        assert page.evaluate("window.sessionStorage.getItem('dtc.apiKey')") is None
        assert all("not-a-key" not in url for url in watch.requested)


def test_an_admin_sees_personal_data(browser: Any, keyed_dashboard: Dashboard) -> None:
    with fresh_tab(browser, keyed_dashboard, "/customers/sydney") as (page, watch):
        sign_in(page, ADMIN_KEY)
        assert page.inner_text("#account-role") == "signed in as admin"
        assert "sydney@example.com" in page.inner_text("#pii-panel")
        assert watch.problems == [] and watch.outside == []


@pytest.mark.parametrize("path", ["/customers/nobody", "/personas/no-such-persona"])
def test_unknown_pages_are_404_when_open_or_with_a_key_and_unprobeable_without(
        browser: Any, dashboard: Dashboard, keyed_dashboard: Dashboard, path: str) -> None:
    kind = "customer" if path.startswith("/customers") else "persona"
    key = path.rsplit("/", 1)[1]
    assert httpx.get(dashboard.base + path).status_code == 404
    with_key = httpx.get(keyed_dashboard.base + path, headers={"Authorization": f"Bearer {FRONTEND_KEY}"})
    assert with_key.status_code == 404 and 'id="not-found"' in with_key.text
    known = "/customers/sydney" if kind == "customer" else "/personas/trend-seeker"
    unknown, existing = httpx.get(keyed_dashboard.base + path), httpx.get(keyed_dashboard.base + known)
    assert unknown.status_code == existing.status_code == 200  # no key: the same answer for both
    def page_of(text: str, shown: str) -> str:  # the title and the main element, with the id taken out
        return (re.search(r"<title>.*?</title>", text, re.S)[0] + text[text.index("<main"):]).replace(shown, "ID")

    assert page_of(unknown.text, key) == page_of(existing.text, known.rsplit("/", 1)[1])

    page, watch = open_page(browser, dashboard, path)  # open: the server's own not-found page
    try:
        assert page.inner_text("#not-found-key") == key and page.title().startswith("Not found")
        assert watch.problems == [] and watch.outside == []
    finally:
        page.close()
    with fresh_tab(browser, keyed_dashboard, path) as (page, watch):  # keyed: found out by the data call
        sign_in(page, FRONTEND_KEY)
        assert page.get_attribute("main", "data-missing") == kind
        assert page.inner_text("#not-found-key") == key and page.title().startswith("Not found")
        assert watch.problems == [] and watch.outside == []


def test_sydneys_page_shows_her_later_persona_and_readable_axes(browser: Any, dashboard: Dashboard) -> None:
    page, watch = open_page(browser, dashboard, "/customers/sydney")
    try:
        assert page.inner_text("#customer-summary").startswith("1 journey, 5 interactions shown")
        axis_end = page.evaluate("echarts.getInstanceByDom(document.querySelector('#persona-timeline'))"
                                 ".getOption().xAxis[0].max")
        assert axis_end > 1717200000000  # 2024-06-01, when she became a loyal professional
        for chart in ("#persona-timeline", "#journey-timeline"):
            boxes = page.eval_on_selector_all(
                f"{chart} svg text", "els => els.map(e => { const r = e.getBoundingClientRect();"
                                     " return [e.textContent, r.x, r.y, r.width, r.height]; })")
            shown = [b for b in boxes if b[0].strip() and b[3] > 0]
            assert len([b for b in shown if re.fullmatch(r"\d{4}-\d\d-\d\d", b[0])]) >= 3, f"{chart}: date labels"
            for n, (text, x, y, w, h) in enumerate(shown):
                for text2, x2, y2, w2, h2 in shown[n + 1:]:
                    apart = x + w <= x2 + 0.5 or x2 + w2 <= x + 0.5 or y + h <= y2 + 0.5 or y2 + h2 <= y + 0.5
                    assert apart, f"{chart}: {text!r} and {text2!r} overlap"
        assert watch.problems == [] and watch.outside == []
    finally:
        page.close()


def test_the_customers_tab_lists_customers_instead_of_always_opening_sydney(browser: Any,
                                                                          dashboard: Dashboard) -> None:
    page, watch = open_page(browser, dashboard, "/stakeholders")
    try:
        assert page.locator("nav a[href^='/customers/']").count() == 0
        page.click("nav a[href='/customers']")
        page.wait_for_selector("body[data-state=ready]", timeout=30_000)
        assert page.locator("#customers-table tbody tr").count() == 50
        first = page.locator("#customers-table tbody tr").first.get_attribute("data-customer")
        page.click("#customers-more")
        page.wait_for_function("() => document.querySelectorAll('#customers-table tbody tr').length === 100")
        page.locator(f"#customers-table tr[data-customer='{first}'] a").click()
        page.wait_for_selector("body[data-state=ready]", timeout=30_000)
        assert page.url.endswith(f"/customers/{first}")
        assert watch.problems == [] and watch.outside == []
    finally:
        page.close()
