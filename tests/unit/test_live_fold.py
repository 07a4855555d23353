"""The live state's fold without a store: `step` and `fold` are one code path, a refuser contributes nothing but keeps
its facts, events come in (ts, event_id) order only, and the gap buckets are the documented ones."""

from __future__ import annotations

import random

import pytest

from graph.live_state.fold import (
    CHANNEL,
    FEW_SPANS,
    FRICTION,
    PATH,
    PERSONA,
    Contribution,
    CustomerInputs,
    Span,
    StateEvent,
    empty_state,
    fold,
    gap_bucket,
    settle,
    showing,
    step,
)

DAY = 86_400_000
SPANS = (Span("p-a", 1.0, None, None), Span("p-b", 0.5, 5 * DAY, None), Span("p-c", 0.0, None, None))
EVENTS = (
    StateEvent("e1", 1 * DAY, "view", "home", "web", "j1", frictions=("slow",), csat=4.0),
    StateEvent("e2", 6 * DAY, "purchase", "cart", "app", "j1", stage="purchase", trigger="colour_result",
               experience="met"),
    StateEvent("e3", 7 * DAY, "view", "home", "web", "j1", frictions=("slow", "fee")),
    StateEvent("e4", 50 * DAY, "switch", "shop", "store", "j2", competitor="rival"),
)


@pytest.mark.parametrize("runs", [[4], [1, 1, 1, 1], [2, 2], [1, 3]])
def test_stepping_event_by_event_gives_what_the_fold_gives(runs: list[int]) -> None:
    # the events stepped in runs (as batches bring them), each run settled: the same as the fold of them all
    folded, whole = fold(CustomerInputs("c1", EVENTS, SPANS))
    state = empty_state("c1", SPANS)
    stepped: Contribution = {}
    events = iter(EVENTS)
    for size in runs:
        for _ in range(size):
            step(state, next(events), stepped)
        settle(state, stepped)
    assert {k: v for k, v in stepped.items() if v} == {k: v for k, v in whole.items() if v}
    assert any(kind == PATH for kind, _, _ in whole)
    assert state.facts() == folded.facts()
    assert whole[(PERSONA, ("p-a",), "customers")] == 1 and (PERSONA, ("p-c",), "customers") not in whole
    assert whole[(FRICTION, ("p-a", "slow"), "switched")] == 1  # first hit day 1, switch day 50: within 90 days
    assert whole[(FRICTION, ("p-b", "slow"), "exposed")] == 1  # p-b from day 5: its first hit is e3


def test_a_refuser_contributes_nothing_and_keeps_its_facts() -> None:
    counted, contribution = fold(CustomerInputs("c1", EVENTS, SPANS))
    refuser, nothing = fold(CustomerInputs("c1", EVENTS, SPANS, refused=True))
    assert contribution and nothing == {}
    assert refuser.facts() == counted.facts()
    assert refuser.facts().latest_trigger == (6 * DAY, "e2", "colour_result", "met")
    assert refuser.facts().stage == "stop"


def test_step_refuses_an_event_that_is_not_after_the_last_one() -> None:
    state = empty_state("c1", SPANS)
    step(state, EVENTS[1], {})
    with pytest.raises(ValueError, match="not after e2"):
        step(state, EVENTS[0], {})


@pytest.mark.parametrize(("gap", "bucket"), [(0, 0), (15, 15), (16, 16), (17, 17), (31, 31), (32, 32), (33, 32),
                                            (34, 33), (63, 47), (64, 48), (2 * DAY, None)])
def test_gap_buckets_are_exact_below_16_ms_then_16_per_doubling(gap: int, bucket: int | None) -> None:
    b = gap_bucket(gap)
    if bucket is not None:
        assert b == bucket
    low = b if b < 16 else (16 + b % 16) * 2 ** (b // 16 - 1)  # docs/graph-model.md
    high = b + 1 if b + 1 < 16 else (16 + (b + 1) % 16) * 2 ** ((b + 1) // 16 - 1)
    assert low <= gap < high


@pytest.mark.parametrize(("negative_in", "stage"), [("jb", "backward"), ("ja", "start")])
def test_the_latest_journey_is_the_latest_by_start_then_id_not_the_last_made(negative_in: str, stage: str) -> None:
    # two journeys starting at the same moment: jb is made first (its event e1 comes first) yet is the latest by id
    events = tuple(StateEvent(eid, DAY, "view", "home", "web", jid,
                              experience="negative" if jid == negative_in else None)
                   for eid, jid in (("e1", "jb"), ("e2", "ja")))
    state, _ = fold(CustomerInputs("c1", events))
    assert state.relationship_stage()[0] == stage


def test_with_many_spans_the_personas_at_each_moment_are_those_the_rule_gives() -> None:
    rng = random.Random(5)
    spans = tuple(Span(f"p{n % 40}", rng.choice([0.0, 0.4, 1.0, None]),  # few spans per persona: bounds show
                       rng.choice([None, rng.randrange(100) * DAY]), rng.choice([None, rng.randrange(100) * DAY]))
                  for n in range(120))
    state = empty_state("c1", spans)
    assert len(spans) > FEW_SPANS
    moments = [b + d for s in spans for b in (s.since, s.until) if b is not None for d in (-1, 0, 1)]
    moments += [rng.randrange(-DAY, 101 * DAY) for _ in range(500)]
    rng.shuffle(moments)  # the stretches are worked out in any order
    for t in moments:
        assert state.personas_at(t) == showing(spans, t), t


def test_a_long_journey_contributes_its_whole_variant_only_not_one_per_prefix() -> None:
    # each event moves the journey from one variant to the next (-1, +1): the prefixes cancel out. Kept as zeros,
    # 5,000 events of one journey left 5,000 variants of up to 5,000 steps in the contribution, and a late event for
    # that customer spent 12 s writing them into its repair record.
    events = [StateEvent(f"e{n:04d}", DAY + n, "view", f"tp{n}", "web", "j1") for n in range(300)]
    _, contribution = fold(CustomerInputs("c1", events))
    paths = {ident for kind, ident, _ in contribution if kind == PATH}
    assert paths == {("all", tuple(f"tp{n}" for n in range(300)))}
    assert 0 not in contribution.values()


def test_a_zero_amount_adds_nothing() -> None:
    _, contribution = fold(CustomerInputs("c1", [StateEvent("e1", DAY, "feedback", "survey", "app", "j1", nps=0)]))
    assert contribution[(CHANNEL, ("app",), "nps_count")] == 1 and (CHANNEL, ("app",), "nps_sum") not in contribution
