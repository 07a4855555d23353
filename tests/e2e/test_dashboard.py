"""The dashboard in a real browser (Debian's headless chromium through Playwright) over a real demo twin.

Each page loads without console errors and without a request outside the app, its charts draw (non-empty SVG), and
choosing a friction on the persona page (with the keyboard) lists the customers behind it. Screenshots at 1280x800
go to $DTC_SCREENSHOTS when set (`DTC_SCREENSHOTS=docs/img` refreshes the README's), else to the test's tmp dir.
"""

from __future__ import annotations

from typing import Any

import pytest
from pages import Dashboard, open_page, svg_shapes

pytestmark = pytest.mark.browser

PAGES: dict[str, tuple[str, tuple[str, ...]]] = {  # name: (path, charts that must draw)
    "home": ("/", ("#persona-chart",)),
    "persona": ("/personas/trend-seeker", ("#emotion-chart", "#friction-chart", "#friction-sankey")),
    "customer": ("/customers/sydney", ("#persona-timeline", "#journey-timeline", "#next-steps")),
    "stakeholders": ("/stakeholders", ("#stakeholder-chart",)),
    "search": ("/search?q=my+parcel+came+late", ()),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_each_page_loads_cleanly_and_draws_its_charts(browser: Any, dashboard: Dashboard, name: str) -> None:
    path, charts = PAGES[name]
    page, watch = open_page(browser, dashboard, path)
    try:
        assert watch.problems == []
        assert watch.outside == []
        # the affected-customers panel has its own test
        alerts = page.locator("main > :not(#affected-panel) [role=alert]")
        assert alerts.count() == 0, alerts.all_inner_texts()
        for chart in charts:
            assert svg_shapes(page, chart) >= 3, f"{chart} drew nothing on {path}"
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
    page, watch = open_page(browser, dashboard, "/personas/bargain-hunter")
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
    page, watch = open_page(browser, dashboard, f"/customers/{busiest}")
    try:
        assert watch.problems == [] and watch.outside == []
        assert svg_shapes(page, "#journey-timeline") > 10
        assert "Switched to" in page.inner_text("#customer-summary")
        page.screenshot(path=str(dashboard.shots / "dashboard-customer-switcher.png"), full_page=True)
    finally:
        page.close()
