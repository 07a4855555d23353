"""Numbers that share a name agree (issue 13): a persona's `customers` and `customers(persona:) { totalCount }` both
count the customers who show the persona now, by the one persona rule; `relationshipStage` is answered for every
customer with interactions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from api_client import OPEN, Api
from demo_graph import DemoTwin
from starlette.testclient import TestClient

from api.app import create_app
from ingest.doors import open_doors


@pytest.fixture
def demo_api(demo_twin: DemoTwin) -> Iterator[Api]:
    settings = replace(demo_twin.settings, api_keys={})
    with TestClient(create_app(settings, demo_twin.store, OPEN, doors=open_doors),
                    base_url="http://localhost") as client:
        yield Api(client, demo_twin.store)


def test_a_personas_customers_equal_the_total_count_of_its_customers(demo_api: Api) -> None:
    personas = demo_api.data("{ personas { code customers } }")["personas"]
    assert personas and any(p["customers"] for p in personas)
    for p in personas:
        total = demo_api.data("query($p: String) { customers(persona: $p, first: 1) { totalCount } }",
                              p=p["code"])["customers"]["totalCount"]
        assert p["customers"] == total, p["code"]


def test_every_customer_with_interactions_has_a_relationship_stage(demo_api: Api) -> None:
    ids = [r["id"] for r in demo_api.store.read(
        "MATCH (c:Customer)-[:PERFORMED]->(:Interaction) WHERE c.merged_into IS NULL "
        "RETURN DISTINCT c.id AS id ORDER BY id LIMIT 40")]
    assert ids
    for customer_id in ids:
        twin = demo_api.data("query($id: ID!) { customer(id: $id) { relationshipStage } }", id=customer_id)
        assert twin["customer"]["relationshipStage"] in ("start", "forward", "backward", "stop"), customer_id
