"""GraphiQL at /graphql works offline: every file it needs comes from the twin, so with every request outside the app
aborted it still renders its editor, loads the schema and runs a query."""

from __future__ import annotations

from typing import Any

import pytest
from pages import Dashboard, open_page

pytestmark = pytest.mark.browser


def test_graphiql_renders_and_runs_a_query_with_every_outside_request_aborted(browser: Any,
                                                                             dashboard: Dashboard) -> None:
    page, watch = open_page(browser, dashboard, "/graphql", ready=False)
    try:
        page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=30_000)
        assert "frictionToCompetitors" in page.inner_text(".graphiql-query-editor")
        page.click(".graphiql-execute-button")
        page.wait_for_function("() => document.querySelector('.graphiql-response')"
                               " && document.querySelector('.graphiql-response').innerText.includes('colour_mismatch')",
                               timeout=30_000)
        page.click("button[aria-label='Show Documentation Explorer']")
        page.wait_for_selector(".graphiql-doc-explorer-content >> text=Query", timeout=30_000)
        assert watch.outside == []
        assert watch.problems == []
        assert all(url.startswith(dashboard.base) for url in watch.requested)
        assert any("/graphql-ide/vendor/graphiql/graphiql.min.js" in url for url in watch.requested)
        page.screenshot(path=str(dashboard.shots / "graphiql.png"))
    finally:
        page.close()
