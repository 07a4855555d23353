"""Profile updates from dated messages (ingest.profile_rules): traits by time, consent only when it changes."""

from __future__ import annotations

import itertools
from typing import Any

from ingest.profile_rules import Decision, consent_changes, in_force, overlay_traits


def test_each_trait_keeps_the_value_of_the_latest_message_in_any_order() -> None:
    messages: list[tuple[int, dict[str, Any]]] = [(1, {"plan": "free", "city": "Leeds"}), (2, {"plan": "pro"}),
                                                  (3, {"city": "York"}), (3, {"city": "Bath"})]
    results = set()
    for order in itertools.permutations(messages):
        values: dict[str, Any] = {}
        times: dict[str, int] = {}
        for ts, traits in order:
            values, times, _ = overlay_traits(values, times, traits, ts)
        results.add((tuple(sorted(values.items())), tuple(sorted(times.items()))))
    # at equal ts the larger value wins, whatever came first
    assert results == {((("city", "York"), ("plan", "pro")), (("city", 3), ("plan", 2)))}


def test_a_repeated_or_older_message_changes_nothing() -> None:
    values, times, changed = overlay_traits({}, {}, {"plan": "pro"}, 5)
    assert changed and values == {"plan": "pro"} and times == {"plan": 5}
    assert overlay_traits(values, times, {"plan": "pro"}, 5)[2] is False
    assert overlay_traits(values, times, {"plan": "free"}, 4) == (values, times, False)


def test_the_decision_in_force_follows_the_consent_rule() -> None:
    history = [Decision("marketing", True, None), Decision("marketing", False, 10), Decision("marketing", True, 10)]
    assert in_force(history, "marketing", 5) is True  # undated: older than any dated decision
    assert in_force(history, "marketing", 10) is False  # equal ts: the refusal wins
    assert in_force(history, "analytics", 10) is None


def test_consent_is_recorded_only_when_it_changes() -> None:
    claims = [Decision("analytics", True, t) for t in (1, 2, 3)] + [Decision("analytics", False, 4),
                                                                   Decision("analytics", False, 5)]
    assert consent_changes([], claims) == [Decision("analytics", True, 1), Decision("analytics", False, 4)]
    stored = [Decision("analytics", True, 1), Decision("analytics", False, 4)]
    assert consent_changes(stored, claims) == []  # the same messages again add nothing
    assert consent_changes(stored, [Decision("analytics", True, 9)]) == [Decision("analytics", True, 9)]
