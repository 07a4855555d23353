"""funnel, retention and journey paths on a small hand-made graph, the expected numbers worked out in the comments.

Customers (H = one hour; every event on channel web unless said; touchpoints home, product, checkout):
    a  p1            home d0, product d0+1H (hits slow), checkout d1
    b  p1 until d5,  home d4, product d6 (hits slow)
       then p2
    c  p2            home d2 (id c-1, channel app), home d2 (id c-2, same instant), product d20
    d  p1, refuses   home d0, product d0, checkout d0        (analytics refused: never counted)
    e  p2            home d3 (e-1), product d3 (e-2, same instant, after it by id), checkout d4
    f  p2            home d3, product d3
    g  no persona    home d1
"""

from __future__ import annotations

from typing import Any

import pytest
from twin_graph import DAY_MS, load_twin

from graph.analytics.funnel import funnel
from graph.analytics.paths import journey_paths
from graph.analytics.retention import retention
from graph.analytics.stats import wilson_interval
from graph.errors import InputError
from graph.store import GraphStore

T0 = 1_704_067_200_000  # 2024-01-01T00:00:00Z, a Monday
H = 3_600_000


def d(n: float) -> int:
    return T0 + int(n * DAY_MS)


def ev(event_id: str, ts: int, touchpoint: str, channel: str = "web", **extra: Any) -> dict[str, Any]:
    return {"event_id": event_id, "customer_id": event_id.split("-")[0], "ts": ts, "channel": channel,
            "touchpoint": touchpoint, "type": "view", **extra}


CUSTOMERS = [
    {"customer_id": "a", "personas": [{"persona": "p1"}]},
    {"customer_id": "b", "personas": [{"persona": "p1", "until": d(5)}, {"persona": "p2", "since": d(5)}]},
    {"customer_id": "c", "personas": [{"persona": "p2"}]},
    {"customer_id": "d", "personas": [{"persona": "p1"}],
     "consents": [{"purpose": "analytics", "granted": False, "ts": "2024-01-01T00:00:00Z"}]},
    {"customer_id": "e", "personas": [{"persona": "p2"}]},
    {"customer_id": "f", "personas": [{"persona": "p2"}]},
    {"customer_id": "g"},
]
EVENTS = [
    ev("a-1", d(0), "home"), ev("a-2", d(0) + H, "product", friction=["slow"]),
    ev("a-3", d(1), "checkout", type="purchase"),
    ev("b-1", d(4), "home"), ev("b-2", d(6), "product", friction=["slow"]),
    ev("c-1", d(2), "home", channel="app"), ev("c-2", d(2), "home"), ev("c-3", d(20), "product"),
    ev("d-1", d(0), "home"), ev("d-2", d(0), "product"), ev("d-3", d(0), "checkout", type="purchase"),
    ev("e-1", d(3), "home"), ev("e-2", d(3), "product"), ev("e-3", d(4), "checkout", type="purchase"),
    ev("f-1", d(3), "home"), ev("f-2", d(3), "product"),
    ev("g-1", d(1), "home"),
]
CATALOG = {"touchpoints": [{"code": "home", "channel": "web", "stage": "awareness"},
                           {"code": "product", "channel": "web", "stage": "consideration"},
                           {"code": "checkout", "channel": "web", "stage": "purchase"}],
           "frictions": [{"code": "slow", "touchpoint": "product"}]}
STEPS = [{"touchpoint": "home"}, {"touchpoint": "product"}, {"type": "purchase"}]


@pytest.fixture
def graph(store: GraphStore) -> GraphStore:
    load_twin(store, CUSTOMERS, EVENTS, CATALOG)
    return store


def counts(steps: list[Any]) -> list[int]:
    return [s["customers"] for s in steps]


def test_funnel_steps_conversion_and_median_time_from_entry(graph: GraphStore) -> None:
    found = funnel(graph, STEPS)
    # levels: a 3, b 2, c 1 (its product on d20 is after d2 + 14 days), e 3, f 2, g 1; d refused
    assert found["steps"] == [
        {"step": 1, "customers": 6, "fromPrevious": 1.0, "fromFirst": 1.0, "medianMsFromEntry": 0.0},
        # from entry to product: a 1H, b 2 days, e 0, f 0 -> median of 0, 0, 1H, 48H = 0.5H
        {"step": 2, "customers": 4, "fromPrevious": 4 / 6, "fromFirst": 4 / 6, "medianMsFromEntry": 0.5 * H},
        # to the purchase: a 1 day, e 1 day
        {"step": 3, "customers": 2, "fromPrevious": 0.5, "fromFirst": 2 / 6, "medianMsFromEntry": float(DAY_MS)},
    ]
    assert found["groups"] == []
    # step 1: nobody hit anything between home and product. Step 2: a (window product..checkout) and b (product to
    # the end of its window) hit slow; of the 4 at step 2, b and f dropped: droppedHitters 1 of 2, baseline 1 of 2
    low, high = wilson_interval(1, 2)
    assert found["drops"] == [{"step": 2, "friction": "slow", "hitters": 2, "droppedHitters": 1, "dropRate": 0.5,
                               "baseline": 0.5, "lift": 1.0, "ciLow": low, "ciHigh": high}]


def test_funnel_window_persona_and_breakdowns(graph: GraphStore) -> None:
    # c's product is 18 days after its entry: inside a 20-day window, and a window of 0 keeps only same-instant steps
    assert counts(funnel(graph, STEPS, window_days=18)["steps"]) == [6, 5, 2]
    assert counts(funnel(graph, STEPS, window_days=0)["steps"]) == [6, 2, 0]
    # p1 at entry: a (d0) and b (d4, p1 until d5)
    assert counts(funnel(graph, STEPS, persona="p1")["steps"]) == [2, 2, 1]
    # the entry period bounds the entry only: b enters d4, its product d6 lies after `until`
    assert counts(funnel(graph, STEPS, since=d(4), until=d(5))["steps"]) == [1, 1, 0]
    by_persona = funnel(graph, STEPS, breakdown="PERSONA")["groups"]
    assert [(g["key"], counts(g["steps"])) for g in by_persona] == [("p1", [2, 2, 1]), ("p2", [3, 2, 1]),
                                                                   (None, [1, 0, 0])]
    # c's attempt is its first entry, c-1 on the app (c-2 has the same ts but sorts after it)
    by_channel = funnel(graph, STEPS, breakdown="CHANNEL")["groups"]
    assert [(g["key"], counts(g["steps"])) for g in by_channel] == [("app", [1, 0, 0]), ("web", [5, 4, 2])]
    assert funnel(graph, STEPS, min_hitters=3)["drops"] == []


def test_funnel_arguments_are_checked(graph: GraphStore) -> None:
    for steps, message in (([{"touchpoint": "home"}], "2 to 10"), ([{"touchpoint": "home"}, {}], "at least one"),
                           ([{"touchpoint": "home"}, {"colour": "red"}], "colour is not a step matcher key")):
        with pytest.raises(InputError, match=message):
            funnel(graph, steps)
    with pytest.raises(InputError, match="windowDays: 366 is out of range; give 0 to 365"):
        funnel(graph, STEPS, window_days=366)


def test_retention_cohorts_eligible_and_retained(graph: GraphStore) -> None:
    home, product = {"touchpoint": "home"}, {"touchpoint": "product"}
    found = retention(graph, home, product, period="DAY", periods=3, as_of=d(10))
    assert found["asOf"] == d(10)
    # starts: a d0, g d1, c d2, e and f d3, b d4; every period 1-3 has ended by d10 for all of them. Only b returns
    # to product in a later period: d6 = start + 2 days, the first instant of period 2
    assert [(c["start"], c["size"], [(p["eligible"], p["retained"]) for p in c["periods"]])
            for c in found["cohorts"]] == [
        (d(0), 1, [(1, 0)] * 3), (d(1), 1, [(1, 0)] * 3), (d(2), 1, [(1, 0)] * 3), (d(3), 2, [(2, 0)] * 3),
        (d(4), 1, [(1, 0), (1, 1), (1, 0)])]
    assert found["cohorts"][-1]["periods"][1]["rate"] == 1.0
    # period n counts once start + (n + 1) days <= asOf: at asOf d6, b's period 1 just ended, period 2 not yet
    b_cohort = retention(graph, home, product, period="DAY", periods=3, as_of=d(6))["cohorts"][-1]
    assert [(p["eligible"], p["rate"]) for p in b_cohort["periods"]] == [(1, 0.0), (0, None), (0, None)]
    # without asOf: the latest interaction of the twin, the refusing customer's included (c's product, d20)
    weekly = retention(graph, home, product)
    assert weekly["asOf"] == d(20)
    assert [(c["start"], c["size"]) for c in weekly["cohorts"]] == [(d(0), 7 - 1)]  # one ISO week from Monday d0
    assert [(c["start"], c["size"]) for c in retention(graph, home, product, period="MONTH")["cohorts"]] == [
        (d(0), 6)]
    assert [c["size"] for c in retention(graph, home, product, persona="p2", period="DAY")["cohorts"]] == [1, 2]
    # no cohort at all still answers with the asOf used
    assert retention(graph, {"touchpoint": "nowhere"}, product) == {"asOf": d(20), "cohorts": []}
    assert retention(graph, home, product, persona="nobody", as_of=d(3)) == {"asOf": d(3), "cohorts": []}


def test_journey_paths_whole_journeys(graph: GraphStore) -> None:
    found = journey_paths(graph)
    assert [(s["steps"], s["occurrences"], s["customers"]) for s in found["sequences"]] == [
        (["home", "product"], 2, 2), (["home", "product", "checkout"], 2, 2), (["home"], 1, 1),
        (["home", "home", "product"], 1, 1)]
    # home -> product gaps: a 1H, b 2 days, c 18 days, e 0, f 0 -> median 1H; product -> checkout: 23H and 24H
    assert [(t["source"], t["target"], t["occurrences"], t["medianMs"]) for t in found["transitions"]] == [
        ("home", "product", 5, float(H)), ("product", "checkout", 2, 23.5 * H), ("home", "home", 1, 0.0)]
    assert found["variants"][0] == {"variant": ["home", "product"], "journeys": 2, "share": 2 / 6}
    # p2 at the journey's first event: c, e, f (b started as p1)
    assert [s["steps"] for s in journey_paths(graph, "p2")["sequences"]] == [
        ["home", "home", "product"], ["home", "product"], ["home", "product", "checkout"]]


def test_journey_paths_from_and_to_a_step(graph: GraphStore) -> None:
    after_product = journey_paths(graph, start={"touchpoint": "product"}, max_steps=2)
    assert [(s["steps"], s["occurrences"]) for s in after_product["sequences"]] == [
        (["product"], 3), (["product", "checkout"], 2)]
    before_purchase = journey_paths(graph, end={"type": "purchase"}, max_steps=2)
    assert [(s["steps"], s["occurrences"], s["customers"]) for s in before_purchase["sequences"]] == [
        (["product", "checkout"], 2, 2)]
    between = journey_paths(graph, start={"touchpoint": "home"}, end={"touchpoint": "checkout"}, max_steps=3)
    assert [(s["steps"], s["occurrences"]) for s in between["sequences"]] == [(["home", "product", "checkout"], 2)]
    assert journey_paths(graph, start={"touchpoint": "home"}, end={"touchpoint": "checkout"},
                         max_steps=2)["sequences"] == []
    with pytest.raises(InputError, match="maxSteps: 11 is out of range; give 2 to 10"):
        journey_paths(graph, start={"touchpoint": "home"}, max_steps=11)


@pytest.mark.parametrize("name", ["funnel", "journey-paths"])
def test_the_falkordb_variant_differs_only_in_how_it_orders_events(name: str) -> None:
    """The FalkorDB variants sort each list with list.sort instead of a global ORDER BY; the rest of the text must
    stay the same as the common query's, so the definition cannot drift between engines."""
    import re

    import cypher

    def outside_order_blocks(text: str) -> str:
        return re.sub(r"// order:.*?// end order", "", text, flags=re.S)

    query = cypher.load(name)
    common, falkordb = query.text, query.text_for("falkordb")
    assert "list.sort(collect(" in falkordb and "ORDER BY" in common
    assert common.count("// order:") == falkordb.count("// order:") >= 1
    assert outside_order_blocks(common) == outside_order_blocks(falkordb)


def test_a_matcher_key_given_as_null_counts_as_absent_in_the_named_queries(graph: GraphStore) -> None:
    """Analysts run the named queries with `:param` maps: a key given as null must not fail every event (the queries
    test only the keys a matcher holds, so a null one is skipped rather than compared)."""
    padded = [{"touchpoint": None, "type": None, "stage": None, "channel": None, "outcome": None, **s} for s in STEPS]
    funnel_args = {"persona": None, "windowDays": 14, "since": None, "until": None, "breakdown": None,
                   "minHitters": 1}
    given = graph.run("funnel", {"steps": STEPS, **funnel_args})
    assert given and graph.run("funnel", {"steps": padded, **funnel_args}) == given
    retention_args = {"period": "DAY", "periods": 3, "since": None, "until": None, "persona": None, "asOf": d(10)}
    given = graph.run("retention", {"cohortEvent": STEPS[0], "returnEvent": STEPS[1], **retention_args})
    assert given[0]["cohorts"]
    assert graph.run("retention", {"cohortEvent": padded[0], "returnEvent": padded[1], **retention_args}) == given


def test_a_funnel_over_codes_with_any_character_equals_the_scan(store: GraphStore) -> None:
    """The live funnel finds a step's events by a Timeline property named after the code (key=value, `%` and the
    backtick escaped): codes holding a percent sign, a backtick, the escape's own text, quotes, spaces or an equals
    sign must match exactly, and never one another; so must frictions with such codes."""
    odd = ["50% off", "50%25 off", "tick`tock", "tick%60tock", 'say "hi"', "a=b c", "back\\slash"]
    events = [ev(f"{c}-{n}", d(n), code, channel=code, friction=[code]) for c, customer in (("x", 0), ("y", 1))
              for n, code in enumerate(odd[customer:] + odd[:customer])]
    customers = [{"customer_id": "x"}, {"customer_id": "y"}]
    load_twin(store, customers, events, {"touchpoints": [], "frictions": []})
    args = {"persona": None, "windowDays": 365, "since": None, "until": None, "breakdown": "CHANNEL",
            "minHitters": 1}
    # x holds the codes in order on days 0..6, y the same shifted by one (odd[1] first, odd[0] last)
    expected = {(0, 2): [2, 1], (1, 3): [2, 2], (4, 6): [2, 2], (5, 0): [2, 1]}
    for (first, second), reached in expected.items():
        steps = [{"touchpoint": odd[first]}, {"channel": odd[second]}]
        live = store.run("funnel-live", {"steps": steps, **args})
        assert live == store.run("funnel", {"steps": steps, **args}), steps
        assert [r["customers"] for r in live if r["kind"] == "step"] == reached, (steps, live)
    # the frictions are named after the same codes: x hits 50% off and 50%25 off between its first two matches
    steps = [{"touchpoint": odd[0]}, {"channel": odd[2]}]
    hits = {r["key"] for r in store.run("funnel-live", {"steps": steps, **args}) if r["kind"] == "hit"}
    assert {odd[0], odd[1]} <= hits, hits


def test_a_twin_without_timelines_answers_funnels_and_retention_by_the_scan_and_says_how_to_build_them(
        graph: GraphStore, caplog: pytest.LogCaptureFixture) -> None:
    """A twin ingested before the Timelines existed has none until `dtc verify --repair`: the funnel must not answer
    as if nobody had events."""
    expected = funnel(graph, STEPS)
    kept = retention(graph, STEPS[0], STEPS[1], "DAY", 3, as_of=d(10))
    graph.write("MATCH (t:Timeline) DETACH DELETE t")
    assert funnel(graph, STEPS) == expected
    assert retention(graph, STEPS[0], STEPS[1], "DAY", 3, as_of=d(10)) == kept and kept["cohorts"]
    assert "dtc verify --repair" in caplog.text
