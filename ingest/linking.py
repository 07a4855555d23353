"""Journey linking, pure (no I/O): which journey each interaction belongs to, its seq, and the NEXT chain.

A customer's events form *tracks*: one per `session_id`, and one for the events without a session. A session track
is one journey (`<customer>:s:<session>`); the session-less track is split wherever two consecutive events are more
than the journey gap apart, and each piece is a journey whose id is `<customer>:<event_id of its earliest event>`.
Events are ordered by (ts, event_id), so the same events give the same journeys whatever order they arrive in.

Two entry points, both returning a `LinkPlan` (the graph changes to make):
- `extend(...)`: the fast path, when every arriving event is newer than the track's last linked event: only the
  track's newest journey (its `Tail`) is needed.
- `relink(...)`: the general path, for late events: the whole track is recomputed and diffed against what the graph
  holds, so a late event is inserted in its place and an event that bridges two journeys merges them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise


@dataclass(frozen=True, slots=True, order=True)
class Point:
    """An interaction as linking sees it; ordered by (ts, id). `journey_id` is None until it is linked."""

    ts: int
    id: str
    session_id: str | None = field(default=None, compare=False)
    journey_id: str | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Tail:
    """The newest journey of a track as the graph holds it: enough to append to it."""

    journey_id: str
    start_ts: int
    size: int
    last: Point


@dataclass(frozen=True, slots=True)
class PlannedJourney:
    id: str
    customer_id: str
    session_id: str | None
    start_ts: int
    end_ts: int
    size: int

    def row(self) -> dict[str, object]:
        return {"id": self.id, "customer_id": self.customer_id, "session_id": self.session_id,
                "start_ts": self.start_ts, "end_ts": self.end_ts, "size": self.size}


@dataclass
class LinkPlan:
    """Graph changes, applied in this order: drop journeys, remove NEXT and moved INCLUDES, upsert journeys, add
    INCLUDES (and set Interaction.journey_id), update seq of INCLUDES that stay, add NEXT."""

    dropped: list[str] = field(default_factory=list)  # journey ids to delete
    next_removed: list[tuple[str, str]] = field(default_factory=list)
    unincluded: list[tuple[str, str]] = field(default_factory=list)  # (interaction id, journey it leaves)
    journeys: list[PlannedJourney] = field(default_factory=list)  # to create or update
    included: list[tuple[str, str, int]] = field(default_factory=list)  # (interaction id, journey id, seq)
    reseq: list[tuple[str, str, int]] = field(default_factory=list)  # (interaction id, journey id, new seq)
    next_added: list[tuple[str, str]] = field(default_factory=list)
    created: set[str] = field(default_factory=set)  # ids of journeys that did not exist before
    expected_size: dict[str, int] = field(default_factory=dict)  # journey id -> size the plan assumed it had

    def add(self, other: LinkPlan) -> None:
        self.created |= other.created
        self.expected_size.update(other.expected_size)
        self.dropped += other.dropped
        self.next_removed += other.next_removed
        self.unincluded += other.unincluded
        self.journeys += other.journeys
        self.included += other.included
        self.reseq += other.reseq
        self.next_added += other.next_added


def journey_id(customer_id: str, session_id: str | None, first: Point) -> str:
    return f"{customer_id}:s:{session_id}" if session_id is not None else f"{customer_id}:{first.id}"


def split(points: Sequence[Point], gap_ms: int) -> list[list[Point]]:
    """Ordered points cut wherever two consecutive ones are more than `gap_ms` apart."""
    pieces: list[list[Point]] = []
    for p in points:
        if pieces and p.ts - pieces[-1][-1].ts <= gap_ms:
            pieces[-1].append(p)
        else:
            pieces.append([p])
    return pieces


def sessionise(customer_id: str, session_id: str | None, points: Iterable[Point],
               gap_ms: int) -> list[tuple[PlannedJourney, list[Point]]]:
    """The journeys of one track, each with its members in order."""
    ordered = sorted(points)
    pieces = [ordered] if session_id is not None else split(ordered, gap_ms)
    return [(PlannedJourney(journey_id(customer_id, session_id, piece[0]), customer_id, session_id, piece[0].ts,
                     piece[-1].ts, len(piece)), piece) for piece in pieces if piece]


def extend(customer_id: str, session_id: str | None, tail: Tail | None, arriving: Sequence[Point],
           gap_ms: int, *, into: LinkPlan | None = None, in_order: bool = False) -> tuple[LinkPlan, Tail]:
    """Append `arriving` (all newer than `tail.last`) to the track; the plan and the track's new tail.

    `into` adds the changes to an existing plan (the batch's) instead of a new one; `in_order` says `arriving` is
    sorted already (sorting again costs a Python comparison per point)."""
    ordered = arriving if in_order else sorted(arriving)
    if tail is not None and ordered and not tail.last < ordered[0]:
        raise ValueError(f"{ordered[0].id} is not newer than the track's last event {tail.last.id}; use relink()")
    plan = into if into is not None else LinkPlan()
    if tail is not None:
        plan.expected_size[tail.journey_id] = tail.size
    if tail is None and not ordered:
        raise ValueError("extend() needs a tail or at least one arriving event")
    # the current journey as plain values (this runs for every event: no object per event)
    jid, start_ts, size, last = (tail.journey_id, tail.start_ts, tail.size, tail.last) if tail else ("", 0, 0, None)
    touched: dict[str, PlannedJourney] = {}
    grew = False  # whether the current journey got arriving events
    included, next_added = plan.included, plan.next_added
    for p in ordered:
        if last is not None and (session_id is not None or p.ts - last.ts <= gap_ms):
            size += 1
            next_added.append((last.id, p.id))
        else:
            if grew and last is not None:
                touched[jid] = PlannedJourney(jid, customer_id, session_id, start_ts, last.ts, size)
            jid, start_ts, size = journey_id(customer_id, session_id, p), p.ts, 1
            plan.created.add(jid)
        included.append((p.id, jid, size))
        last, grew = p, True
    assert last is not None
    if grew:
        touched[jid] = PlannedJourney(jid, customer_id, session_id, start_ts, last.ts, size)
    plan.journeys.extend(touched.values())
    return plan, Tail(jid, start_ts, size, last)


def relink(customer_id: str, session_id: str | None, linked: Sequence[Point], arriving: Sequence[Point],
           gap_ms: int) -> tuple[LinkPlan, Tail]:
    """Recompute a whole track from what the graph holds (`linked`, with their journey ids; unlinked ones allowed)
    plus `arriving`, and diff: the plan turns the old journeys into the new ones."""
    by_id = {p.id: p for p in linked}
    for p in arriving:
        by_id.setdefault(p.id, p)
    new = sessionise(customer_id, session_id, by_id.values(), gap_ms)

    old_members: dict[str, list[Point]] = {}
    for p in sorted(linked):
        if p.journey_id is not None:
            old_members.setdefault(p.journey_id, []).append(p)
    old_place = {p.id: (jid, seq) for jid, members in old_members.items() for seq, p in enumerate(members, 1)}
    old_next = {(a.id, b.id) for members in old_members.values() for a, b in pairwise(members)}

    plan = LinkPlan()
    new_ids = {journey.id for journey, _ in new}
    plan.dropped = sorted(set(old_members) - new_ids)
    plan.created = new_ids - set(old_members)
    new_next: set[tuple[str, str]] = set()
    for journey, members in new:
        old_journey = old_members.get(journey.id)
        if old_journey is None or [p.id for p in old_journey] != [p.id for p in members] \
                or old_journey[0].ts != journey.start_ts:
            plan.journeys.append(journey)
            if old_journey is not None:
                plan.expected_size[journey.id] = len(old_journey)
        for seq, p in enumerate(members, 1):
            was = old_place.get(p.id)
            if was is None or was[0] in plan.dropped:
                plan.included.append((p.id, journey.id, seq))
            elif was[0] != journey.id:
                plan.unincluded.append((p.id, was[0]))
                plan.included.append((p.id, journey.id, seq))
            elif was[1] != seq:
                plan.reseq.append((p.id, journey.id, seq))
        new_next.update((a.id, b.id) for a, b in pairwise(members))
    plan.next_removed = sorted(old_next - new_next)
    plan.next_added = sorted(new_next - old_next)
    last_journey, last_members = new[-1]
    tail = Tail(last_journey.id, last_journey.start_ts, last_journey.size, last_members[-1])
    return plan, tail
