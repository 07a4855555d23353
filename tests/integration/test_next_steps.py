"""nextSteps on a graph generated from known transition matrices, one per persona."""

from __future__ import annotations

from random import Random
from typing import Any

import pytest
from intelligence_graph import add_customer, add_events

from graph.errors import InputError
from graph.prediction import next_steps
from graph.store import GraphStore

START_MS = 1_714_521_600_000  # 2024-05-01
HOUR_MS = 3_600_000
# what customers of each persona do after each touchpoint ("switch:glamco" = leaving for GlamCo)
MATRICES = {
    "bargain": {
        "ad": {"product_page": 0.8, "app": 0.2},
        "product_page": {"switch:glamco": 0.6, "checkout": 0.3, "app": 0.1},
        "app": {"product_page": 0.7, "checkout": 0.3},
        "checkout": {"ad": 1.0},
    },
    "loyal": {
        "ad": {"app": 0.7, "product_page": 0.3},
        "product_page": {"checkout": 0.8, "app": 0.2},
        "app": {"checkout": 0.9, "product_page": 0.1},
        "checkout": {"ad": 1.0},
    },
}


def _journey_events(rng: Random, customer: str, matrix: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    state, events, ts = rng.choice(["ad", "product_page", "app"]), [], START_MS
    for n in range(8):
        if state.startswith("switch:"):
            events.append({"event_id": f"{customer}-{n}", "customer_id": customer, "ts": ts,
                           "touchpoint": events[-1]["touchpoint"], "type": "switch", "competitor": "glamco"})
            break
        events.append({"event_id": f"{customer}-{n}", "customer_id": customer, "ts": ts, "touchpoint": state,
                       "type": "view"})
        options = matrix[state]
        state = rng.choices(list(options), weights=list(options.values()))[0]
        ts += HOUR_MS
    return events


@pytest.fixture
def generated(store: GraphStore) -> GraphStore:
    rng = Random(5)
    events: list[dict[str, Any]] = []
    for persona, matrix in MATRICES.items():
        for n in range(60):
            customer = f"{persona}-{n}"
            add_customer(store, customer, [{"persona": persona, "weight": 1.0, "since": START_MS - HOUR_MS}])
            events += _journey_events(rng, customer, matrix)
    add_events(store, events)
    return store


def _target(store: GraphStore, customer: str, persona: str | None, touchpoint: str) -> None:
    add_customer(store, customer, [{"persona": persona, "weight": 1.0}] if persona else [])
    add_events(store, [{"event_id": f"{customer}-last", "customer_id": customer, "ts": START_MS + 200 * HOUR_MS,
                        "touchpoint": touchpoint, "type": "view"}])


def test_each_persona_gets_its_own_top_transition_per_touchpoint(generated: GraphStore) -> None:
    for persona, matrix in MATRICES.items():
        for touchpoint, row in matrix.items():
            customer = f"target-{persona}-{touchpoint}"
            _target(generated, customer, persona, touchpoint)
            steps = next_steps(generated, customer, k=3)
            assert steps[0].touchpoint == max(row, key=row.__getitem__), (persona, touchpoint, steps)
            assert sum(s.probability for s in steps) <= 1.0001


def test_the_switch_probability_is_predicted_for_the_persona_that_leaves(generated: GraphStore) -> None:
    _target(generated, "new-bargain", "bargain", "product_page")
    _target(generated, "new-loyal", "loyal", "product_page")
    bargain = {s.touchpoint: s.probability for s in next_steps(generated, "new-bargain", k=5)}
    loyal = {s.touchpoint: s.probability for s in next_steps(generated, "new-loyal", k=5)}
    assert 0.45 < bargain["switch:glamco"] < 0.75
    assert loyal.get("switch:glamco", 0.0) < 0.2  # only the smoothing towards everybody brings any in
    assert next_steps(generated, "new-bargain", k=1)[0].competitor == "glamco"


def test_without_a_persona_everybodys_transitions_answer(generated: GraphStore) -> None:
    _target(generated, "anonymous", None, "checkout")
    assert next_steps(generated, "anonymous", k=3)[0].touchpoint == "ad"


def test_a_customer_without_interactions_gets_how_journeys_begin(generated: GraphStore) -> None:
    add_customer(generated, "newcomer")
    steps = next_steps(generated, "newcomer", k=3)
    assert {s.touchpoint for s in steps} == {"ad", "product_page", "app"}


def test_an_unknown_customer_is_an_input_error(store: GraphStore) -> None:
    with pytest.raises(InputError, match="'nobody'"):
        next_steps(store, "nobody")


def test_a_state_nobody_left_answers_with_where_interactions_lead_in_general(generated: GraphStore) -> None:
    _target(generated, "explorer", "loyal", "brand_new_kiosk")
    steps = next_steps(generated, "explorer", k=2)
    assert len(steps) == 2 and steps[0].probability >= steps[1].probability > 0


def test_a_switch_recorded_after_the_journey_follows_its_last_step(store: GraphStore) -> None:
    events: list[dict[str, Any]] = []
    for n in range(10):
        customer = f"leaver-{n}"
        add_customer(store, customer, [{"persona": "bargain", "weight": 1.0}])
        events += [
            {"event_id": f"{customer}-1", "customer_id": customer, "ts": START_MS, "touchpoint": "ad", "type": "view"},
            {"event_id": f"{customer}-2", "customer_id": customer, "ts": START_MS + HOUR_MS,
             "touchpoint": "product_page", "type": "view"},
        ]
        if n < 6:  # 40 days later, past the journey gap: the switch is a journey of its own
            events.append({"event_id": f"{customer}-x", "customer_id": customer, "ts": START_MS + 40 * 24 * HOUR_MS,
                           "touchpoint": "cancellation", "type": "switch", "competitor": "glamco"})
        else:  # the others come back later for something else, then switch: not the product page's doing
            events += [{"event_id": f"{customer}-3", "customer_id": customer, "ts": START_MS + 35 * 24 * HOUR_MS,
                        "touchpoint": "ad", "type": "view"},
                       {"event_id": f"{customer}-y", "customer_id": customer, "ts": START_MS + 80 * 24 * HOUR_MS,
                        "touchpoint": "cancellation", "type": "switch", "competitor": "rivalco"}]
    add_events(store, events)
    _target(store, "next", "bargain", "product_page")

    steps = {s.touchpoint: s.probability for s in next_steps(store, "next", k=3)}
    assert steps == {"switch:glamco": 1.0}
