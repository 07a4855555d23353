"""Wilson score interval, rate and lift: the reference numbers the Cypher queries must reproduce."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest
from oracle import stats as oracle_stats

from graph.analytics import stats as twin_stats

# the twin's statistics and the oracle's own copy (tests/oracle/stats.py), each held to the published values
BOTH = pytest.mark.parametrize("stats", [twin_stats, oracle_stats], ids=["twin", "oracle"])


@BOTH
def test_wilson_matches_published_values(stats: ModuleType) -> None:
    wilson_interval: Callable[[int, int], tuple[float, float]] = stats.wilson_interval
    # 1 success in 2 trials: the textbook interval (0.0945, 0.9055)
    low, high = wilson_interval(1, 2)
    assert low == pytest.approx(0.094531, abs=1e-6)
    assert high == pytest.approx(0.905469, abs=1e-6)
    # 81 of 263: 0.2553 .. 0.3662
    low, high = wilson_interval(81, 263)
    assert low == pytest.approx(0.255289, abs=1e-6)
    assert high == pytest.approx(0.366210, abs=1e-6)


@BOTH
def test_wilson_at_the_edges_stays_inside_zero_one(stats: ModuleType) -> None:
    wilson_interval: Callable[[int, int], tuple[float, float]] = stats.wilson_interval
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.277533, abs=1e-6)
    low, high = wilson_interval(10, 10)
    assert low == pytest.approx(1 - 0.277533, abs=1e-6)
    assert high == pytest.approx(1.0, abs=1e-12)


@BOTH
def test_wilson_with_no_trials_knows_nothing(stats: ModuleType) -> None:
    assert stats.wilson_interval(0, 0) == (0.0, 1.0)


@BOTH
def test_wilson_refuses_impossible_counts(stats: ModuleType) -> None:
    with pytest.raises(ValueError, match="successes=3, trials=2"):
        stats.wilson_interval(3, 2)


@BOTH
def test_rate_and_lift_edge_cases(stats: ModuleType) -> None:
    rate, lift = stats.rate, stats.lift
    assert rate(1, 4) == 0.25
    assert rate(0, 0) is None  # empty baseline group -> null
    assert lift(0.5, 0.25) == 2.0
    assert lift(0.5, 0.0) is None  # baseline 0 -> lift null
    assert lift(0.5, None) is None
