"""The API test client: a TestClient with GraphQL helpers, and the keys the tests use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from graph.settings import ApiLimits
from graph.store import GraphStore

KEYS = {"adm-key": "admin", "ana-key": "analyst", "fe-key": "frontend", "ing-key": "ingest"}
OPEN = ApiLimits(rate_per_second=0)  # no rate limit unless a test is about it


class Api:
    """A TestClient with a `gql` helper; `key` picks the caller."""

    def __init__(self, client: TestClient, store: GraphStore) -> None:
        self.client, self.store = client, store

    def gql(self, query: str, key: str | None = None, **variables: Any) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        r = self.client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        return r.status_code, r.json()

    def data(self, query: str, key: str | None = None, **variables: Any) -> dict[str, Any]:
        """The data of a query that must succeed."""
        status, body = self.gql(query, key, **variables)
        assert status == 200 and not body.get("errors"), body
        found: dict[str, Any] = body["data"]
        return found

    def error(self, query: str, key: str | None = None, **variables: Any) -> dict[str, Any]:
        """The first error of a query that must fail."""
        status, body = self.gql(query, key, **variables)
        assert body.get("errors"), body
        first: dict[str, Any] = body["errors"][0]
        return first


MakeApi = Callable[..., Api]  # the make_api fixture: make_api(keys=KEYS, limits=OPEN)
Serve = Callable[..., str]  # the serve fixture: serve(**env) starts `dtc serve`, returns its base URL
