"""The journey-analytics pages in a real browser over the demo twin: the funnel (steps as bars with conversion, the
persona breakdown, a friction table under each drop, each step linking to its paths), the retention heat map and
the paths page. Screenshots at 1280x800 as in test_dashboard.py."""

from __future__ import annotations

from typing import Any

import pytest
from pages import Dashboard, open_page, svg_shapes

from graph.analytics.funnel import funnel

pytestmark = pytest.mark.browser
STEPS = [{"stage": "awareness"}, {"stage": "consideration"}, {"type": "purchase"}]


def clean(watch: Any, page: Any) -> None:
    assert watch.problems == [] and watch.outside == []
    assert page.locator("main [role=alert]").count() == 0, page.locator("main [role=alert]").all_inner_texts()


def test_the_funnel_page_shows_steps_breakdown_and_drops(browser: Any, dashboard: Dashboard) -> None:
    page, watch = open_page(browser, dashboard, "/funnel")
    try:
        clean(watch, page)
        assert svg_shapes(page, "#funnel-chart") >= 3 and svg_shapes(page, "#funnel-breakdown-chart") >= 3
        expected = funnel(dashboard.store, STEPS, window_days=30, breakdown="PERSONA", limit=5)
        steps = page.locator("#funnel-steps-list li")
        assert steps.count() == 3
        for n, step in enumerate(expected["steps"]):
            assert f"{step['customers']} customers" in steps.nth(n).inner_text()
        # a table of frictions under each drop, as many rows as the API gives, the worst first
        for k in (1, 2):
            rows = page.locator(f"#funnel-drops .drop[data-step='{k}'] tbody tr")
            wanted = [d["friction"] for d in expected["drops"] if d["step"] == k]
            assert [rows.nth(n).get_attribute("data-friction") for n in range(rows.count())] == wanted
        assert any(d["step"] == 2 for d in expected["drops"]), "the demo twin should show frictions before a drop"
        page.screenshot(path=str(dashboard.shots / "dashboard-funnel.png"), full_page=True)
        # each step links to what customers do next
        steps.nth(1).locator("a.paths-link").click()
        page.wait_for_selector("body[data-state=ready]", timeout=30_000)
        assert "/paths?start=" in page.url
        assert page.input_value("#paths-start") == "stage=consideration"
        assert page.locator("#sequences-table tbody tr").count() >= 3
        assert svg_shapes(page, "#paths-chart") >= 3
        page.screenshot(path=str(dashboard.shots / "dashboard-paths.png"), full_page=True)
    finally:
        page.close()


def test_a_bad_step_is_explained_in_place(browser: Any, dashboard: Dashboard) -> None:
    page, watch = open_page(browser, dashboard, "/funnel?steps=colour=red|type=purchase")
    try:
        assert watch.outside == []
        assert "is not a step" in page.inner_text("#funnel-drops [role=alert]")
    finally:
        page.close()


def test_the_retention_page_draws_a_heat_map_of_cohorts(browser: Any, dashboard: Dashboard) -> None:
    page, watch = open_page(browser, dashboard, "/retention")
    try:
        clean(watch, page)
        assert "cohorts" in page.inner_text("#retention-asof")
        assert svg_shapes(page, "#retention-chart") >= 10  # one cell per cohort and period
        page.screenshot(path=str(dashboard.shots / "dashboard-retention.png"), full_page=True)
    finally:
        page.close()
