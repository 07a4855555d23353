"""Persona scoring without a store: profiles, shares, and when an assignment changes."""

from __future__ import annotations

import numpy as np
import pytest

from graph import personas
from graph.personas import (
    Activity,
    Vocabulary,
    behaviour_profile,
    changes,
    mean_direction,
    persona_weights,
    recency_weight,
    shares,
)

DAY = 86_400_000
AT = 1_720_000_000_000
VOCABULARY = Vocabulary(channels=("salon", "web"), frictions=("late",))


def test_recent_interactions_count_more_with_a_90_day_half_life() -> None:
    assert recency_weight(AT, AT) == 1.0
    assert recency_weight(AT - 90 * DAY, AT) == pytest.approx(0.5)
    assert recency_weight(AT - 180 * DAY, AT) == pytest.approx(0.25)


def test_the_profile_holds_channel_and_stage_mix_frictions_value_and_recency() -> None:
    profile = behaviour_profile([
        Activity(AT, "web", "purchase", ("late",), 100.0),
        Activity(AT - 90 * DAY, "salon", "awareness"),
    ], AT, VOCABULARY)
    channels, stages, frictions, (value, recency) = profile[:2], profile[2:7], profile[7:8], profile[8:]
    assert channels == pytest.approx(np.array([0.5, 1.0]) / np.sqrt(1.25))  # salon half as recent as web
    assert stages[0] == pytest.approx(0.5 / np.sqrt(1.25))  # awareness
    assert stages[2] == pytest.approx(1.0 / np.sqrt(1.25))  # purchase
    assert frictions == pytest.approx([1.0])
    assert value == pytest.approx(1 - np.exp(-1.0))
    assert recency == 1.0


def test_shares_sum_to_one_and_favour_the_closer_persona() -> None:
    result = shares({"a": 0.5, "b": 0.4}, temperature=0.1)
    assert sum(result.values()) == pytest.approx(1.0)
    assert result["a"] == pytest.approx(np.e / (np.e + 1))


def test_the_weight_is_the_mean_of_behaviour_and_text_shares() -> None:
    prototypes = {"salon-lover": np.array([1.0, 0.0]), "web-shopper": np.array([0.0, 1.0])}
    texts = {"salon-lover": np.array([1.0, 0.0]), "web-shopper": np.array([0.0, 1.0])}
    behaviour_only = persona_weights(np.array([1.0, 0.0]), prototypes, None, {})
    assert behaviour_only["salon-lover"] == pytest.approx(1 / (1 + np.exp(-10)), abs=1e-3)
    # behaviour says salon, the verbatims say web: an even split
    mixed = persona_weights(np.array([1.0, 0.0]), prototypes, np.array([0.0, 1.0]), texts)
    assert mixed == {"salon-lover": 0.5, "web-shopper": 0.5}
    assert persona_weights(None, prototypes, None, texts) == {}


def test_an_assignment_changes_only_when_the_weight_moves_materially() -> None:
    assert changes({"a": 0.60}, {"a": 0.65, "b": 0.35}) == ([], {"b": 0.35})
    assert changes({"a": 0.60}, {"a": 0.45, "b": 0.55}) == (["a"], {"a": 0.45, "b": 0.55})
    assert changes({"a": 0.60, "b": 0.40}, {"a": 0.85, "b": 0.15}) == (["a", "b"], {"a": 0.85})
    assert changes({}, {"a": 0.2}) == ([], {})  # below the minimum weight: no assignment


def test_a_mean_direction_needs_something_to_average() -> None:
    assert mean_direction([]) is None
    direction = mean_direction([(np.array([2.0, 0.0]), 1.0), (np.array([0.0, 2.0]), 1.0)])
    assert direction == pytest.approx(np.array([1.0, 1.0]) / np.sqrt(2))


def test_a_prototype_is_built_from_a_bounded_sample_the_same_every_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a 1M-interaction twin every customer was a declared exemplar, and reading all their interactions before
    scoring began took minutes (reads of 1-3 s each)."""
    monkeypatch.setattr(personas, "EXEMPLARS_PER_PERSONA", 3)
    rows = [{"customer": f"c{n}", "persona": "a" if n % 2 else "b", "weight": 1.0} for n in range(20)]
    chosen = personas._sample_exemplars(rows)
    assert sorted(r["persona"] for r in chosen) == ["a", "a", "a", "b", "b", "b"]
    again = personas._sample_exemplars(list(reversed(rows)))  # whatever order the store answers in
    assert sorted(r["customer"] for r in again) == sorted(r["customer"] for r in chosen)
    few = rows[:4]
    assert sorted(r["customer"] for r in personas._sample_exemplars(few)) == ["c0", "c1", "c2", "c3"]
