"""The questions the twin answers, on small hand-made graphs whose expected numbers are worked out in the comments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from twin_graph import DAY_MS, example_catalog, load_twin, read_jsonl

from graph.analytics.customer_twin import customer_twin
from graph.analytics.friction import friction_to_competitors
from graph.analytics.journey_map import journey_map
from graph.analytics.paths import journey_paths
from graph.analytics.personas import persona_summaries
from graph.analytics.relationship import relationship_stages
from graph.analytics.stakeholders import quadrant, stakeholder_map
from graph.store import GraphStore

T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z


def day(n: float) -> int:
    return T0 + int(n * DAY_MS)


def ev(customer: str, n: float, type_: str = "view", touchpoint: str = "home", **extra: Any) -> dict[str, Any]:
    event_id = f"{customer}-{n}-{type_}"
    return {"event_id": event_id, "customer_id": customer, "ts": day(n), "channel": "web", "touchpoint": touchpoint,
            "type": type_, **extra}


def shows(persona: str, since: float | None = None, until: float | None = None, weight: float = 1.0) -> dict[str, Any]:
    return {"persona": persona, "weight": weight, "since": None if since is None else day(since),
            "until": None if until is None else day(until)}


# --- friction-to-competitors ------------------------------------------------------------------------------------
FRICTION_CUSTOMERS = [
    {"customer_id": "c1", "personas": [shows("p", since=0)]},
    {"customer_id": "c2", "personas": [shows("p")]},
    {"customer_id": "c3", "personas": [shows("p", until=50)]},  # stops being p on day 50
    {"customer_id": "c4", "personas": [shows("p", weight=0.0)]},  # weight 0: never p
    {"customer_id": "c5", "personas": [shows("p", since=100, weight=0.5)]},
    {"customer_id": "c6", "personas": [shows("p")]},
    {"customer_id": "c7", "personas": [shows("p")]},
    {"customer_id": "c8", "personas": [shows("q")]},
    {"customer_id": "solo", "personas": [shows("only")]},
]
FRICTION_EVENTS = [
    ev("c1", 1), ev("c1", 2, friction=["f1"]), ev("c1", 10, "switch", competitor="a"),
    ev("c2", 5, friction=["f1"]), ev("c2", 200, "switch", competitor="b"),  # switch beyond 90 days
    ev("c3", 3), ev("c3", 60, friction=["f1"]), ev("c3", 70, "switch", competitor="a"),  # hit when no longer p
    ev("c4", 1, friction=["f1"]), ev("c4", 5, "switch", competitor="a"),
    ev("c5", 110, friction=["f1", "f2"]), ev("c5", 120, "switch", competitor="b"),
    ev("c5", 125, "switch", competitor="a"),  # only the earliest switch in the window counts
    ev("c6", 1),
    ev("c7", 20, friction=["f2"]), ev("c7", 20, "switch", competitor="a"),  # same instant: not after the hit
    ev("c8", 1, friction=["f1"]), ev("c8", 2, "switch", competitor="a"),
    ev("solo", 1, friction=["f3"]), ev("solo", 2, "switch", competitor="a"),
]


@pytest.fixture
def friction_graph(store: GraphStore) -> GraphStore:
    load_twin(store, FRICTION_CUSTOMERS, FRICTION_EVENTS)
    return store


def test_friction_to_competitors_counts_by_the_definition(friction_graph: GraphStore) -> None:
    # population(p) = c1 c2 c3 c5 c6 c7 (6), of whom c1 c2 c3 c5 c7 have a switch (5)
    # f1: exposed c1 c2 c5; switched c1 (a, day 10) and c5 (b, day 120 before a on 125); baseline c3 c6 c7 -> 2/3
    # f2: exposed c5 c7; switched c5 (b); baseline c1 c2 c3 c6 -> 3/4
    rows = friction_to_competitors(friction_graph, "p")
    assert [r["friction"] for r in rows] == ["f1", "f2"]
    f1, f2 = rows
    assert (f1["exposed"], f1["switched"]) == (3, 2)
    assert f1["rate"] == pytest.approx(2 / 3)
    assert f1["baselineRate"] == pytest.approx(2 / 3)
    assert f1["lift"] == pytest.approx(1.0)
    assert f1["ciLow"] == pytest.approx(0.207659, abs=1e-6)
    assert f1["ciHigh"] == pytest.approx(0.938508, abs=1e-6)
    assert f1["competitors"] == [{"competitor": "a", "count": 1}, {"competitor": "b", "count": 1}]
    assert (f2["exposed"], f2["switched"]) == (2, 1)
    assert f2["rate"] == 0.5
    assert f2["baselineRate"] == pytest.approx(0.75)
    assert f2["lift"] == pytest.approx(2 / 3)
    assert f2["ciLow"] == pytest.approx(0.094531, abs=1e-6)
    assert f2["ciHigh"] == pytest.approx(0.905469, abs=1e-6)
    assert f2["competitors"] == [{"competitor": "b", "count": 1}]


def test_friction_to_competitors_only_counts_events_in_the_period(friction_graph: GraphStore) -> None:
    # days [4, 150): population c1 (day 10 switch) c2 c5 c7; c3 and c6 drop out; switchers c1 c5 c7
    # f1: exposed c2 c5, switched c5 (b); baseline c1 c7 -> 1.0; lift 0.5
    # f2: exposed c5 c7, switched c5 (b); baseline c1 c2 -> 0.5; lift 1.0 (so f2 ranks first on lift)
    rows = friction_to_competitors(friction_graph, "p", since=day(4), until="2024-05-30T00:00:00Z")
    assert [(r["friction"], r["exposed"], r["switched"], r["baselineRate"], r["lift"]) for r in rows] == [
        ("f2", 2, 1, 0.5, 1.0), ("f1", 2, 1, 1.0, 0.5)]


def test_friction_to_competitors_window_min_exposed_and_limit(friction_graph: GraphStore) -> None:
    # a 9-day window keeps c1's switch (day 2 -> 10) but loses c5's (day 110 -> 120)
    rows = friction_to_competitors(friction_graph, "p", window_days=9)
    assert [(r["friction"], r["switched"], r["competitors"]) for r in rows] == [
        ("f1", 1, [{"competitor": "a", "count": 1}]), ("f2", 0, [])]
    assert rows[1]["lift"] == 0.0
    assert [r["friction"] for r in friction_to_competitors(friction_graph, "p", min_exposed=3)] == ["f1"]
    assert [r["friction"] for r in friction_to_competitors(friction_graph, "p", limit=1)] == ["f1"]


def test_friction_to_competitors_empty_baseline_and_no_exposure(friction_graph: GraphStore) -> None:
    # the only customer of persona `only` is exposed: the baseline group is empty, so baselineRate and lift are null
    [row] = friction_to_competitors(friction_graph, "only")
    assert (row["friction"], row["exposed"], row["switched"], row["rate"]) == ("f3", 1, 1, 1.0)
    assert row["baselineRate"] is None and row["lift"] is None
    assert row["ciLow"] == pytest.approx(0.206549, abs=1e-6) and row["ciHigh"] == pytest.approx(1.0)
    assert friction_to_competitors(friction_graph, "nobody") == []


# --- journey map and journey paths ------------------------------------------------------------------------------
JOURNEY_CATALOG = {"touchpoints": [
    {"code": "home", "channel": "web", "stage": "awareness"},
    {"code": "product", "channel": "web", "stage": "consideration"},
    {"code": "checkout", "channel": "web", "stage": "purchase"},
]}
JOURNEY_CUSTOMERS = [
    {"customer_id": "k1", "personas": [shows("p")]},
    {"customer_id": "k2", "personas": [shows("p")]},
    {"customer_id": "k3", "personas": [shows("p", since=100)]},
    {"customer_id": "k4", "personas": [shows("q")]},
    {"customer_id": "k5", "personas": [shows("p")]},
]
JOURNEY_EVENTS = [
    ev("k1", 0), ev("k1", 1, "search", "product", csat=4, ces=2, friction=["slow_page"]),
    ev("k1", 2, "purchase", "checkout", csat=5),
    ev("k2", 0), ev("k2", 1, "search", "product", experience="negative", csat=2, ces=6,
                    friction=["slow_page", "out_of_stock"]),
    ev("k3", 0), ev("k3", 1, "search", "product", friction=["out_of_stock"]),  # before k3 was p
    ev("k3", 101),
    ev("k4", 0), ev("k4", 1, "search", "product", csat=1),
    ev("k5", 0), ev("k5", 3, "search", "product"),
]


@pytest.fixture
def journey_graph(store: GraphStore) -> GraphStore:
    load_twin(store, JOURNEY_CUSTOMERS, JOURNEY_EVENTS, JOURNEY_CATALOG)
    return store


def test_journey_map_per_stage_and_touchpoint(journey_graph: GraphStore) -> None:
    stages = journey_map(journey_graph, "p")
    assert [s["stage"] for s in stages] == ["awareness", "consideration", "purchase"]
    [home], [product], [checkout] = (s["touchpoints"] for s in stages)
    # home: k1 k2 k5 and k3's day-101 journey, which ends there without a purchase -> drop-off 1 of 4 journeys
    assert home == {"touchpoint": "home", "interactions": 4, "customers": 4, "avgCsat": None, "avgCes": None,
                    "negativeShare": 0.0, "topFrictions": [], "dropOff": 0.25}
    # product: k1 (converts later), k2 and k5 end there -> 2 of 3
    assert product["interactions"] == 3 and product["customers"] == 3
    assert product["avgCsat"] == pytest.approx(3.0) and product["avgCes"] == pytest.approx(4.0)
    assert product["negativeShare"] == pytest.approx(1 / 3)
    assert product["topFrictions"] == [{"friction": "slow_page", "count": 2}, {"friction": "out_of_stock", "count": 1}]
    assert product["dropOff"] == pytest.approx(2 / 3)
    assert checkout == {"touchpoint": "checkout", "interactions": 1, "customers": 1, "avgCsat": 5.0, "avgCes": None,
                        "negativeShare": 0.0, "topFrictions": [], "dropOff": 0.0}


def test_journey_map_period(journey_graph: GraphStore) -> None:
    stages = journey_map(journey_graph, "p", since=day(1), until=day(200))
    summary = {s["stage"]: [(t["touchpoint"], t["interactions"], t["dropOff"]) for t in s["touchpoints"]]
               for s in stages}
    assert summary == {"awareness": [("home", 1, 1.0)], "consideration": [("product", 3, pytest.approx(2 / 3))],
                       "purchase": [("checkout", 1, 0.0)]}
    assert journey_map(journey_graph, "nobody") == []


def test_journey_paths_variants_and_directly_follows(journey_graph: GraphStore) -> None:
    paths = journey_paths(journey_graph, "p")
    # p's journeys: k1 home>product>checkout, k2 home>product, k5 home>product, k3 (day 101) home
    assert paths["variants"][0] == {"variant": ["home", "product"], "journeys": 2, "share": 0.5}
    assert sorted((v["variant"], v["journeys"]) for v in paths["variants"][1:]) == [
        (["home"], 1), (["home", "product", "checkout"], 1)]
    edges = {(e["source"], e["target"]): (e["count"], e["medianMs"]) for e in paths["edges"]}
    assert edges == {("home", "product"): (3, DAY_MS), ("product", "checkout"): (1, DAY_MS)}  # gaps 1, 1, 3 days
    assert [v["variant"] for v in journey_paths(journey_graph, "p", limit=1)["variants"]] == [["home", "product"]]
    assert journey_paths(journey_graph, "nobody") == {"sequences": [], "transitions": [], "paths": 0, "variants": [],
                                                     "edges": []}


# --- relationship stages ----------------------------------------------------------------------------------------
def test_relationship_stages_follow_the_documented_rule(store: GraphStore) -> None:
    events = [
        ev("r_stop", 0, "purchase"), ev("r_stop", 10, "switch", competitor="a"),
        ev("r_back", 0, "purchase"), ev("r_back", 50, "complaint"),
        ev("r_decline", 0), ev("r_decline", 1), ev("r_decline", 2, "purchase"), ev("r_decline", 50),
        ev("r_fwd", 0, "purchase"), ev("r_fwd", 50, "purchase"),
        ev("r_adv", 0, "purchase"), ev("r_adv", 5, "feedback", nps=10),
        ev("r_start", 0, "purchase"),
        ev("r_new", 0),
        ev("r_return", 0, "switch", competitor="a"), ev("r_return", 50, "purchase"),
    ]
    customers = [{"customer_id": c} for c in sorted({e["customer_id"] for e in events})]
    load_twin(store, customers, events)
    stages = relationship_stages(store, [c["customer_id"] for c in customers] + ["unknown"])
    assert stages == {"r_stop": "stop", "r_back": "backward", "r_decline": "backward", "r_fwd": "forward",
                      "r_adv": "forward", "r_start": "start", "r_new": "start", "r_return": "start"}
    assert relationship_stages(store, ["r_fwd"]) == {"r_fwd": "forward"}
    assert len(relationship_stages(store, None)) == 8


# --- the Sydney example: stakeholders, twin, personas -----------------------------------------------------------
@pytest.fixture
def sydney(store: GraphStore, examples: Path) -> GraphStore:
    load_twin(store, read_jsonl(examples / "customers.jsonl"), read_jsonl(examples / "events.jsonl"),
              example_catalog(examples))
    return store


def test_stakeholder_map_ranks_by_switches_then_influence(sydney: GraphStore) -> None:
    rows = stakeholder_map(sydney)
    assert [(r["stakeholder"], r["quadrant"], r["switches"]) for r in rows] == [
        ("salon_ops", "gatekeeper", 1), ("marketing", "champion", 0), ("digital", "supporter", 0),
        ("support", "bystander", 0)]
    salon = rows[0]
    assert salon["touchpoints"] == ["colour_appointment"]
    assert salon["frictions"] == ["long_wait", "colour_mismatch"]  # long_wait preceded alex's switch to glamco
    assert (salon["support"], salon["influence"]) == (0.2, 0.9)
    assert rows[2]["touchpoints"] == ["ai_try_on", "checkout", "product_page"]
    assert rows[2]["frictions"] == ["cant_find_product"]


def test_quadrant_thresholds() -> None:
    assert [quadrant(0.5, 0.5), quadrant(0.5, 0.49), quadrant(0.49, 0.5), quadrant(0.1, 0.1)] == [
        "champion", "supporter", "gatekeeper", "bystander"]


def test_customer_twin_without_personal_data(sydney: GraphStore) -> None:
    twin = customer_twin(sydney, "sydney", at="2024-04-01T00:00:00Z")
    assert twin is not None
    assert [p["persona"] for p in twin["personas"]] == ["trend-seeker"]  # loyal-pro starts in June
    assert [p["persona"] for p in twin["personaHistory"]] == ["trend-seeker", "loyal-pro"]
    [journey] = twin["journeys"]
    assert [i["id"] for i in journey["interactions"]] == ["e1", "e2", "e3", "e4", "e5"]
    assert twin["frictions"] == [{"friction": "cant_find_product", "name": "Cannot find the right product", "hits": 1},
                                 {"friction": "colour_mismatch", "name": "Colour result did not suit her", "hits": 1}]
    assert twin["switches"] == []
    assert sorted((c["purpose"], c["granted"]) for c in twin["consents"]) == [
        ("marketing", False), ("personalization", True)]
    text = json.dumps(twin)
    assert "pii_" not in text and "sydney@example.com" not in text and '"Sydney"' not in text
    later = customer_twin(sydney, "sydney", at="2024-07-01T00:00:00Z")
    assert later is not None and [p["persona"] for p in later["personas"]] == ["trend-seeker", "loyal-pro"]
    alex = customer_twin(sydney, "alex")
    assert alex is not None
    assert [(s["competitor"], s["at"]) for s in alex["switches"]] == [("glamco", 1710936000000)]
    assert customer_twin(sydney, "nobody") is None


def test_persona_summaries_count_customers_valid_at_the_moment(sydney: GraphStore) -> None:
    april = persona_summaries(sydney, at="2024-04-01T00:00:00Z")
    assert [(p["code"], p["name"], p["customers"]) for p in april] == [
        ("loyal-pro", "Loyal professional", 0), ("trend-seeker", "Trend seeker", 2)]
    assert [p["customers"] for p in persona_summaries(sydney, at="2024-07-01T00:00:00Z")] == [1, 2]
