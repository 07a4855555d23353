"""The Markov model behind nextSteps, without a store."""

from __future__ import annotations

from random import Random

import pytest

from graph.prediction import (
    PredictedStep,
    blended_distribution,
    next_distribution,
    state_of,
    top_steps,
    transition_graph,
)

# a known transition matrix over four touchpoints and a switch to a competitor
MATRIX = {
    "ad": {"product_page": 0.7, "app": 0.2, "checkout": 0.1},
    "product_page": {"checkout": 0.5, "app": 0.3, "switch:glamco": 0.2},
    "app": {"product_page": 0.6, "checkout": 0.4},
    "checkout": {"ad": 0.8, "switch:glamco": 0.2},
}


def walk(rng: Random, start: str, steps: int) -> list[str]:
    states = [start]
    while len(states) <= steps and states[-1] in MATRIX:
        options = MATRIX[states[-1]]
        states.append(rng.choices(list(options), weights=list(options.values()))[0])
    return states


def test_the_top_transition_of_every_touchpoint_is_recovered_from_generated_journeys() -> None:
    rng = Random(11)
    transitions = [(a, b, 1.0) for _ in range(400) for a, b in _pairs(walk(rng, rng.choice(list(MATRIX)), 6))]
    graph = transition_graph(transitions)

    for state, row in MATRIX.items():
        predicted = top_steps(next_distribution(graph, state), k=3)
        assert predicted[0].touchpoint == max(row, key=row.__getitem__)
        assert predicted[0].probability == pytest.approx(max(row.values()), abs=0.06)
        assert {s.touchpoint for s in predicted} == set(row)  # every row here has at most 3 targets


def test_a_switch_is_a_step_with_a_competitor() -> None:
    assert state_of("product_page", "switch", "glamco") == "switch:glamco"
    assert state_of("product_page", "churn", None) == "churn"
    assert state_of("product_page", "view", None) == "product_page"
    assert PredictedStep("switch:glamco", 0.2).competitor == "glamco"
    assert PredictedStep("checkout", 0.5).competitor is None


def test_persona_counts_are_smoothed_towards_everybody() -> None:
    everyone = transition_graph([("a", "b", 90.0), ("a", "c", 10.0)])
    # 30 persona observations all going to c, against a prior of 10 pseudo-observations
    persona = transition_graph([("a", "c", 30.0)])
    blended = blended_distribution(persona, everyone, "a", prior_strength=10.0)
    assert blended["c"] == pytest.approx((30 + 10 * 0.1) / 40)
    assert blended["b"] == pytest.approx((10 * 0.9) / 40)
    assert sum(blended.values()) == pytest.approx(1.0)


def test_without_persona_data_the_answer_is_everybodys() -> None:
    everyone = transition_graph([("a", "b", 3.0), ("a", "c", 1.0)])
    assert blended_distribution(transition_graph([]), everyone, "a") == {"b": 0.75, "c": 0.25}
    assert blended_distribution(transition_graph([]), everyone, "never-left") == {}


def test_ties_are_broken_by_code_and_k_limits_the_answer() -> None:
    steps = top_steps({"b": 0.25, "a": 0.25, "c": 0.5}, k=2)
    assert steps == [PredictedStep("c", 0.5), PredictedStep("a", 0.25)]


def _pairs(states: list[str]) -> list[tuple[str, str]]:
    return list(zip(states, states[1:], strict=False))
