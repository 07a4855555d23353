"""Journey linking without a store: sessionising, appending, late events, bridging events, order independence."""

from __future__ import annotations

import random
from itertools import pairwise

from ingest.linking import LinkPlan, Point, Tail, extend, relink, sessionise

HOUR = 3_600_000
DAY = 24 * HOUR
GAP = 30 * DAY


def apply(state: dict[str, tuple[str, int]], nexts: set[tuple[str, str]], journeys: dict[str, int],
          plan: LinkPlan) -> None:
    """Play a plan on a toy graph: interaction -> (journey, seq), NEXT pairs, journey -> size."""
    for jid in plan.dropped:
        journeys.pop(jid, None)
        for iid in [i for i, (j, _) in state.items() if j == jid]:
            del state[iid]
    nexts -= set(plan.next_removed)
    for iid, jid in plan.unincluded:
        assert state[iid][0] == jid
        del state[iid]
    for j in plan.journeys:
        journeys[j.id] = j.size
    for iid, jid, seq in plan.included:
        assert iid not in state, f"{iid} included twice"
        state[iid] = (jid, seq)
    for iid, jid, seq in plan.reseq:
        assert state[iid][0] == jid
        state[iid] = (jid, seq)
    assert not (nexts & set(plan.next_added)), "a NEXT added twice"
    nexts |= set(plan.next_added)


def clean_run(points: list[Point]) -> tuple[dict[str, tuple[str, int]], set[tuple[str, str]], dict[str, int]]:
    journeys = sessionise("c", None, points, GAP)
    state = {p.id: (j.id, seq) for j, members in journeys for seq, p in enumerate(members, 1)}
    nexts = {(a.id, b.id) for _, members in journeys for a, b in pairwise(members)}
    return state, nexts, {j.id: j.size for j, _ in journeys}


def test_gap_splits_journeys_and_ids_come_from_the_earliest_event() -> None:
    points = [Point(0, "a"), Point(HOUR, "b"), Point(40 * DAY, "c"), Point(40 * DAY + HOUR, "d")]
    journeys = sessionise("alex", None, points, GAP)
    assert [(j.id, j.size, j.start_ts, j.end_ts) for j, _ in journeys] == [
        ("alex:a", 2, 0, HOUR), ("alex:c", 2, 40 * DAY, 40 * DAY + HOUR)]


def test_a_gap_of_exactly_the_limit_stays_in_one_journey() -> None:
    assert len(sessionise("c", None, [Point(0, "a"), Point(GAP, "b")], GAP)) == 1
    assert len(sessionise("c", None, [Point(0, "a"), Point(GAP + 1, "b")], GAP)) == 2


def test_a_session_is_one_journey_whatever_the_gaps() -> None:
    points = [Point(0, "a", "s1"), Point(90 * DAY, "b", "s1")]
    [(journey, members)] = sessionise("c", "s1", points, GAP)
    assert journey.id == "c:s:s1" and [p.id for p in members] == ["a", "b"]


def test_ties_on_ts_are_ordered_by_event_id() -> None:
    [(_, members)] = sessionise("c", None, [Point(5, "z"), Point(5, "b"), Point(5, "m")], GAP)
    assert [p.id for p in members] == ["b", "m", "z"]


def test_extend_appends_to_the_tail_or_starts_a_new_journey() -> None:
    tail = Tail("c:a", 0, 2, Point(HOUR, "b"))
    plan, new_tail = extend("c", None, tail, [Point(2 * HOUR, "x"), Point(60 * DAY, "y")], GAP)
    assert plan.included == [("x", "c:a", 3), ("y", "c:y", 1)]
    assert plan.next_added == [("b", "x")]
    assert plan.created == {"c:y"} and plan.expected_size == {"c:a": 2}
    assert [(j.id, j.size, j.end_ts) for j in plan.journeys] == [("c:a", 3, 2 * HOUR), ("c:y", 1, 60 * DAY)]
    assert new_tail == Tail("c:y", 60 * DAY, 1, Point(60 * DAY, "y"))


def test_extend_refuses_an_event_older_than_the_tail() -> None:
    tail = Tail("c:a", 0, 2, Point(HOUR, "b"))
    try:
        extend("c", None, tail, [Point(HOUR // 2, "late")], GAP)
    except ValueError as e:
        assert "relink" in str(e)
    else:
        raise AssertionError("extend() accepted a late event")


def test_a_late_event_is_inserted_in_its_place() -> None:
    linked = [Point(0, "a", journey_id="c:a"), Point(2 * HOUR, "c", journey_id="c:a")]
    plan, _ = relink("c", None, linked, [Point(HOUR, "b")], GAP)
    assert plan.included == [("b", "c:a", 2)]
    assert plan.reseq == [("c", "c:a", 3)]
    assert plan.next_removed == [("a", "c")] and plan.next_added == [("a", "b"), ("b", "c")]
    assert plan.dropped == [] and plan.created == set()


def test_an_event_earlier_than_a_journey_renames_it() -> None:
    linked = [Point(DAY, "b", journey_id="c:b"), Point(2 * DAY, "c", journey_id="c:b")]
    plan, _ = relink("c", None, linked, [Point(0, "a")], GAP)
    assert plan.dropped == ["c:b"] and plan.created == {"c:a"}
    assert sorted(plan.included) == [("a", "c:a", 1), ("b", "c:a", 2), ("c", "c:a", 3)]
    assert plan.next_added == [("a", "b")] and plan.next_removed == []


def test_a_bridging_event_merges_two_journeys() -> None:
    linked = [Point(0, "a", journey_id="c:a"), Point(40 * DAY, "z", journey_id="c:z")]
    plan, tail = relink("c", None, linked, [Point(20 * DAY, "m")], GAP)
    assert plan.dropped == ["c:z"]
    assert [(j.id, j.size) for j in plan.journeys] == [("c:a", 3)]
    assert sorted(plan.included) == [("m", "c:a", 2), ("z", "c:a", 3)]
    assert plan.next_added == [("a", "m"), ("m", "z")]
    assert tail.journey_id == "c:a" and tail.last.id == "z"


def test_relinking_an_unchanged_track_changes_nothing() -> None:
    linked = [Point(0, "a", journey_id="c:a"), Point(HOUR, "b", journey_id="c:a")]
    plan, _ = relink("c", None, linked, [], GAP)
    assert plan == LinkPlan()


def test_any_arrival_order_gives_the_journeys_of_a_clean_run() -> None:
    rng = random.Random(3)
    points = [Point(rng.randrange(0, 400 * DAY), f"e{n:03d}") for n in range(120)]
    expected = clean_run(points)
    for _ in range(5):
        shuffled = points[:]
        rng.shuffle(shuffled)
        state: dict[str, tuple[str, int]] = {}
        nexts: set[tuple[str, str]] = set()
        journeys: dict[str, int] = {}
        for start in range(0, len(shuffled), 7):  # batches of 7 events in random order
            linked = [Point(p.ts, p.id, None, state[p.id][0]) for p in points if p.id in state]
            plan, _ = relink("c", None, linked, shuffled[start:start + 7], GAP)
            apply(state, nexts, journeys, plan)
        assert (state, nexts, journeys) == expected
