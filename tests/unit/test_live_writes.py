"""Counter keys: one text per counter, short enough for FalkorDB's unique index, and a memory that does not grow
with the history (a path variant per journey prefix is never remembered)."""

from __future__ import annotations

from graph.live_state.fold import PATH, PERSONA
from graph.live_state.writes import KEY_TEXT_MAX, _remembered_key, counter_key, counter_params


def test_a_long_journey_variant_is_keyed_by_its_digest() -> None:
    steps = tuple(f"touchpoint-{n}" for n in range(40))
    key = counter_key(PATH, ("all", steps))
    assert key.startswith("sha256:") and len(key) <= KEY_TEXT_MAX
    assert counter_key(PATH, ("all", ("home", "cart"))) == '["all",["home","cart"]]'


def test_path_variants_are_not_remembered_between_batches() -> None:
    _remembered_key.cache_clear()
    variants = {(PATH, ("all", ("home",) * n), "journeys"): 1 for n in range(1, 200)}
    rows = counter_params({**variants, (PERSONA, ("p-a",), "customers"): 1})
    assert len(rows["path_stats"]) == 199 and len(rows["persona_stats"]) == 1
    assert _remembered_key.cache_info().currsize == 1  # the persona's counter only
