"""The demo's known answers survive the whole path: generate -> ingest -> frictionToCompetitors finds each planted
effect as its persona's top row with lift above 3, and the customers behind that row are the ones counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.analytics.affected import affected_customers
from graph.analytics.friction import friction_to_competitors
from graph.settings import Settings
from graph.store import GraphStore
from ingest.batch import ingest_files
from ingest.generator import generate


@pytest.fixture
def planted(store: GraphStore, store_settings: Settings, tmp_path: Path) -> Path:
    """The generated demo set (600 customers, seed 11) ingested into the test's store; the folder of its files."""
    out = tmp_path / "demo"
    report = generate(out, customers=600, seed=11)
    ingested = ingest_files(store, store_settings, catalog=report.catalog_path, customers=[report.customers_path],
                            events=[report.events_path], rejects=tmp_path / "rejects.jsonl")
    assert ingested.rejected == 0
    assert ingested.ingested == report.events == 6977
    return out


def test_every_planted_effect_is_recovered_as_the_top_row_with_lift_above_3(store: GraphStore, planted: Path) -> None:
    effects = json.loads((planted / "truth.json").read_text())["effects"]
    assert [(e["persona"], e["friction"], e["competitor"]) for e in effects] == [
        ("trend-seeker", "colour_mismatch", "glamco"),
        ("bargain-hunter", "price_surprise", "budgetbeauty"),
        ("busy-parent", "late_delivery", "quickglow"),
    ]
    for effect in effects:
        rows = friction_to_competitors(store, effect["persona"], window_days=effect["window_days"])
        top = rows[0]
        assert top["friction"] == effect["friction"], [(r["friction"], r["switched"]) for r in rows[:3]]
        assert top["lift"] is not None and top["lift"] > 3
        assert top["competitors"][0]["competitor"] == effect["competitor"]
        assert top["ciLow"] > (top["baselineRate"] or 0)  # not a fluke: the whole interval sits above the baseline


def test_the_customers_behind_the_top_row_are_the_ones_it_counts(store: GraphStore, planted: Path) -> None:
    top = friction_to_competitors(store, "bargain-hunter")[0]
    affected = affected_customers(store, "bargain-hunter", top["friction"], limit=10_000)
    assert len(affected) == top["exposed"]
    switched = [a for a in affected if a["competitor"] is not None]
    assert len(switched) == top["switched"]
    assert affected[: len(switched)] == switched  # switchers first
    assert all(a["switchedAt"] is not None and 0 < a["switchedAt"] - a["firstHit"] <= 90 * 86_400_000
               for a in switched)
    by_competitor: dict[str, int] = {}
    for a in switched:
        by_competitor[str(a["competitor"])] = by_competitor.get(str(a["competitor"]), 0) + 1
    assert by_competitor == {c["competitor"]: c["count"] for c in top["competitors"]}


def test_the_sydney_example_is_part_of_the_demo_twin(store: GraphStore, planted: Path) -> None:
    rows = store.read("MATCH (c:Customer {id: 'sydney'})-[:PERFORMED]->(i:Interaction) RETURN count(i) AS n")
    assert rows[0]["n"] == 5  # e5 arrives with Sydney's e-mail only and is resolved to her
    hit = affected_customers(store, "trend-seeker", "colour_mismatch", limit=10_000)
    assert "sydney" in {a["customer"] for a in hit}
