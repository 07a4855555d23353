"""The fold: one customer's inputs -> its live-state facts and its contribution to every counter (pure, no I/O).

Inputs (`CustomerInputs`): the customer's events in (ts, event_id) order with their journey ids, its SHOWS spans and
whether it refuses `analytics`. `step(state, event)` folds one event that comes after every event folded so far and
adds the change it makes to the counters (a `Contribution`); `settle` then adds the change of the journeys' variants
(once per run of steps). `fold(inputs)` is `step` over every event from the empty state, then `settle`. The ingest
fast path calls `step` and `settle` on a cached state, the repair path calls `fold`: one code path. What each fact
and counter means is docs/graph-model.md "Live state".

A refuser's contribution is zero (`counted`), its facts stay. The state of a customer holds what later
steps need (per journey: size, steps, the persona views of journey-map, ...).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cypher import DAY_MS
from graph.live_state.positions import Timeline, event_position_names, position_name
from graph.persona_rule import shows_at

WINDOW_DAYS = 90  # frictionToCompetitors' default window, the one the state keeps its counts for
WINDOW_MS = WINDOW_DAYS * DAY_MS
ALL = "all"  # the path scope of every customer (journeyPaths without a persona)
FEW_SPANS = 16  # up to this many spans a customer's personas are worked out at each event (CustomerState.personas_at)

# counter kinds and their fields, in the order rows carry them (graph/live_state/writes.py)
PERSONA, FRICTION, COMPETITOR, MAP, MAP_FRICTION, CHANNEL, PATH_SCOPE, PATH, TRANSITION, GAP = (
    "PersonaStat", "FrictionStat", "CompetitorStat", "MapStat", "MapFrictionStat", "ChannelStat", "PathScopeStat",
    "PathStat", "TransitionStat", "GapBucket")
FIELDS: dict[str, tuple[str, ...]] = {
    PERSONA: ("customers", "switchers"),
    FRICTION: ("exposed", "switched", "exposed_switchers"),
    COMPETITOR: ("customers",),
    MAP: ("interactions", "customers", "journeys", "drops", "csat_sum", "csat_count", "ces_sum", "ces_count",
          "negatives"),
    MAP_FRICTION: ("hits",),
    CHANNEL: ("interactions", "customers", "csat_sum", "csat_count", "ces_sum", "ces_count", "nps_sum", "nps_count",
              "promoters", "detractors", "negatives", "failures", "friction_hits"),
    PATH_SCOPE: ("journeys",),
    PATH: ("journeys", "customers"),
    TRANSITION: ("occurrences",),
}
# identifying properties of each kind, in key order; GAP's "field" is the gap value itself (a multiset element)
IDENTITY: dict[str, tuple[str, ...]] = {
    PERSONA: ("persona",), FRICTION: ("persona", "friction"), COMPETITOR: ("persona", "friction", "competitor"),
    MAP: ("persona", "stage", "touchpoint"), MAP_FRICTION: ("persona", "stage", "touchpoint", "friction"),
    CHANNEL: ("channel",), PATH_SCOPE: ("scope",), PATH: ("scope", "steps"),
    TRANSITION: ("scope", "from_touchpoint", "to_touchpoint"),
    GAP: ("scope", "from_touchpoint", "to_touchpoint", "bucket"),
}

# (kind, identifying values, field or gap value) -> amount; sums of these over customers are the counters
Contribution = dict[tuple[str, tuple[object, ...], object], float]


def gap_bucket(gap_ms: int) -> int:
    """The gap bucket of a gap (docs/graph-model.md): exact below 16 ms, then 16 buckets per doubling."""
    if gap_ms < 16:
        return gap_ms
    e = gap_ms.bit_length() - 1
    return 16 * (e - 3) + (gap_ms >> (e - 4)) - 16


@dataclass(frozen=True, slots=True)
class StateEvent:
    """An interaction as the fold reads it (the stored values: `stage` is Interaction.stage)."""

    id: str
    ts: int
    type: str
    touchpoint: str
    channel: str | None
    journey_id: str
    # what the counters are keyed by
    stage: str | None = None  # journey-map cells, Journey.stage, advocacy moves the relationship
    outcome: str | None = None  # a failure counts per channel and moves the relationship backward
    frictions: tuple[str, ...] = ()  # exposures (first hit while a persona), map cells' frictions, channel hits
    competitor: str | None = None  # on a switch: frictionToCompetitors' competitor counts
    trigger: str | None = None  # the customer's latest trigger fact (with its experience)
    # what they measure
    experience: str | None = None  # negative shares; a negative one moves the relationship backward
    csat: float | None = None  # summed per map cell and channel (their averages)
    ces: float | None = None  # summed per map cell and channel (their averages)
    nps: int | None = None  # per channel: sum, promoters (9+), detractors (6-); 9+ moves it forward

    @property
    def order(self) -> tuple[int, str]:
        return self.ts, self.id


@dataclass(frozen=True, slots=True)
class Span:
    """One SHOWS assignment."""

    persona: str
    weight: float | None
    since: int | None
    until: int | None


@dataclass(frozen=True, slots=True)
class CustomerInputs:
    customer_id: str
    events: Sequence[StateEvent]  # in (ts, event_id) order
    spans: Sequence[Span] = ()
    refused: bool = False


@dataclass(slots=True)
class Exposure:
    first_hit: int
    first_event: str
    switch_ts: int | None = None
    switch_event: str | None = None
    competitor: str | None = None


Cell = tuple[str, str | None, str]  # journey-map's (persona, stage, touchpoint)


@dataclass(slots=True)
class JourneyView:
    """A journey as journey-map sees it for one persona: the events made while the customer was that persona."""

    last_cell: Cell | None = None
    converted: bool = False
    cells: set[Cell] = field(default_factory=set)


@dataclass(slots=True)
class JourneyState:
    id: str
    start_ts: int
    scopes: tuple[str, ...]  # path scopes fixed by the personas at the journey's first event
    steps: list[str]  # touchpoints in order
    last_ts: int
    size: int = 0
    negatives: int = 0  # events with a negative experience, a complaint or a failed outcome
    purchases: int = 0
    stage: str | None = None  # the stage of its latest event
    personas: dict[str, JourneyView] = field(default_factory=dict)
    counted_steps: int = 0  # how many of `steps` make the variant the counters hold for it (see `settle`)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the graph shows about one customer (docs/graph-model.md "Facts")."""

    active: Mapping[str, tuple[int, str]]  # persona -> (first_ts, first_event)
    exposures: Mapping[tuple[str, str], tuple[int, str, int | None, str | None, str | None]]
    stage: str | None
    stage_reason: str | None
    latest_trigger: tuple[int, str, str, str | None] | None  # (ts, event id, trigger, outcome)
    journey_stages: Mapping[str, str | None]  # of the journeys the state holds
    timeline: Timeline


@dataclass(slots=True)
class CustomerState:
    """Everything later steps need about one customer (mutable: `step` updates it in place)."""

    customer_id: str
    spans: tuple[Span, ...]
    refused: bool
    last: tuple[int, str] | None = None
    switched: bool = False
    active: dict[str, tuple[int, str]] = field(default_factory=dict)
    exposures: dict[tuple[str, str], Exposure] = field(default_factory=dict)
    cells: set[Cell] = field(default_factory=set)  # journey-map cells the customer is counted in
    channels: set[str | None] = field(default_factory=set)
    variants: Counter[tuple[str, tuple[str, ...]]] = field(default_factory=Counter)  # (scope, steps) -> journeys
    journeys: dict[str, JourneyState] = field(default_factory=dict)
    purchases: int = 0
    last_purchase: int | None = None
    last_exit: int | None = None
    advocacy: int = 0
    latest_trigger: tuple[int, str, str, str | None] | None = None
    # the timeline (docs/graph-model.md "Facts"): every event's ts and channel in order, and per property value the
    # positions of the events holding it
    times: list[int] = field(default_factory=list)
    channels_in_order: list[str] = field(default_factory=list)
    positions: dict[str, list[int]] = field(default_factory=dict)
    frictions_hit: set[str] = field(default_factory=set)
    unsettled: set[str] = field(default_factory=set)  # journeys whose variant `settle` has yet to count
    # with many spans: their bounds, sorted, and the personas of each stretch between two bounds asked for so far
    span_bounds: tuple[int, ...] | None = field(default=None, compare=False, repr=False)
    stretches: dict[int, list[str]] | None = field(default=None, compare=False, repr=False)

    def personas_at(self, t: int) -> list[str]:
        """The personas shown at `t` (sorted; not to be changed). They stay the same between two consecutive bounds
        of the spans: with many spans, worked out once per stretch (15,000 spans made a refold take seconds)."""
        if len(self.spans) <= FEW_SPANS:
            return showing(self.spans, t)
        if self.span_bounds is None or self.stretches is None:
            self.span_bounds = tuple(sorted({b for s in self.spans for b in (s.since, s.until) if b is not None}))
            self.stretches = {}
        stretch = bisect_right(self.span_bounds, t)
        personas = self.stretches.get(stretch)
        if personas is None:
            personas = self.stretches[stretch] = showing(self.spans, t)
        return personas

    def facts(self, journeys: Collection[str] | None = None) -> Facts:
        """The customer's facts; `journeys`: only these journeys' stages (those a batch of in-order events can change,
        so that a snapshot costs nothing per journey the customer made before)."""
        stage, reason = self.relationship_stage()
        held = self.journeys
        return Facts(
            active=dict(self.active),
            exposures={k: (x.first_hit, x.first_event, x.switch_ts, x.switch_event, x.competitor)
                       for k, x in self.exposures.items()},
            stage=stage, stage_reason=reason, latest_trigger=self.latest_trigger,
            journey_stages={jid: j.stage for jid, j in held.items()} if journeys is None else
            {jid: held[jid].stage for jid in journeys if jid in held},
            timeline=Timeline(len(self.times), self))

    def relationship_stage(self) -> tuple[str | None, str | None]:
        """The rule of cypher/relationship-stage.cypher; (None, None) without events."""
        if self.last is None:
            return None, None
        if self.last_exit is not None and (self.last_purchase is None or self.last_purchase < self.last_exit):
            return "stop", "left for a competitor or churned"
        latest, previous = self._latest_journeys()
        if latest is not None and latest.negatives > 0:
            return "backward", "negative experience in the latest journey"
        if (self.purchases > 0 and latest is not None and latest.purchases == 0 and previous is not None
                and latest.size < previous.size):
            return "backward", "declining activity since the last purchase"
        if self.purchases >= 2:
            return "forward", "repeat purchase"
        if self.advocacy > 0:
            return "forward", "advocacy"
        if self.purchases == 1:
            return "start", "first purchase"
        return "start", "no purchase yet"

    def _latest_journeys(self) -> tuple[JourneyState | None, JourneyState | None]:
        """The latest journey and the one before it, by (start_ts, id), in one pass (no sort, no heap)."""
        latest: JourneyState | None = None
        previous: JourneyState | None = None
        for j in self.journeys.values():
            if latest is None or (j.start_ts, j.id) > (latest.start_ts, latest.id):
                latest, previous = j, latest
            elif previous is None or (j.start_ts, j.id) > (previous.start_ts, previous.id):
                previous = j
        return latest, previous


def showing(spans: Iterable[Span], t: int) -> list[str]:
    """The personas of the spans that hold at `t` (graph.persona_rule.shows_at), sorted."""
    return sorted({s.persona for s in spans if shows_at(s.weight, s.since, s.until, t)})


def empty_state(customer_id: str, spans: Iterable[Span] = (), refused: bool = False) -> CustomerState:
    return CustomerState(customer_id, tuple(spans), refused)


def fold(inputs: CustomerInputs) -> tuple[CustomerState, Contribution]:
    """The customer's state and its whole contribution (zero for a refuser), from the empty state by `step`."""
    state = empty_state(inputs.customer_id, inputs.spans, inputs.refused)
    total: Contribution = {}
    for event in inputs.events:
        step(state, event, total)
    settle(state, total)
    return state, total if counted(state) else {}


def counted(state: CustomerState) -> bool:
    """Whether the customer's steps add to the counters (a refuser's do not)."""
    return not state.refused


def step(state: CustomerState, e: StateEvent, into: Contribution) -> None:
    """Fold one event that comes after every event folded so far; add what it changes to `into` (refusal aside)."""
    if state.last is not None and e.order <= state.last:
        raise ValueError(f"Event {e.id} at {e.ts} is not after {state.last[1]} at {state.last[0]}: step folds "
                         "events in (ts, event_id) order only.")
    state.last = e.order
    personas = state.personas_at(e.ts)
    journey = state.journeys.get(e.journey_id)
    if journey is None:  # its first event: the journey's path scopes are the personas of that moment
        journey = JourneyState(e.journey_id, e.ts, (ALL, *(f"persona:{p}" for p in personas)), [], e.ts)
        state.journeys[e.journey_id] = journey
    _friction_step(state, e, personas, into)
    _map_step(state, e, personas, journey, into)
    _channel_step(state, e, into)
    _path_step(state, e, journey, into)
    _relationship_step(state, e, journey)
    _timeline_step(state, e)


def _add(into: Contribution, kind: str, ident: tuple[object, ...], name: object, amount: float) -> None:
    key = (kind, ident, name)
    total = into.get(key, 0) + amount
    if total:
        into[key] = total
    else:  # a change undone (a journey's variant, which the next event of the journey extends) is no change
        into.pop(key, None)


def _add_scores(into: Contribution, kind: str, ident: tuple[object, ...], e: StateEvent) -> None:
    """The CSAT and CES sums and counts of one event (journey-map and cx-by-channel average the same way)."""
    if e.csat is not None:
        _add(into, kind, ident, "csat_sum", e.csat)
        _add(into, kind, ident, "csat_count", 1)
    if e.ces is not None:
        _add(into, kind, ident, "ces_sum", e.ces)
        _add(into, kind, ident, "ces_count", 1)


def _friction_step(state: CustomerState, e: StateEvent, personas: list[str], into: Contribution) -> None:
    is_switch = e.type == "switch"
    if is_switch and not state.switched:
        state.switched = True
        for p in state.active:
            _add(into, PERSONA, (p,), "switchers", 1)
        for p, f in state.exposures:
            _add(into, FRICTION, (p, f), "exposed_switchers", 1)
    for p in personas:
        if p not in state.active:
            state.active[p] = e.order
            _add(into, PERSONA, (p,), "customers", 1)
            if state.switched:
                _add(into, PERSONA, (p,), "switchers", 1)
    if is_switch:  # events come in order, so the first switch to reach an exposure's window is its earliest
        for (p, f), x in state.exposures.items():
            if x.switch_ts is None and x.first_hit < e.ts <= x.first_hit + WINDOW_MS:
                x.switch_ts, x.switch_event, x.competitor = e.ts, e.id, e.competitor
                _add(into, FRICTION, (p, f), "switched", 1)
                if e.competitor is not None:
                    _add(into, COMPETITOR, (p, f, e.competitor), "customers", 1)
    if e.frictions:  # after the switch: an exposure's window starts after its first hit
        for p in personas:
            for f in dict.fromkeys(e.frictions):
                if (p, f) not in state.exposures:
                    state.exposures[(p, f)] = Exposure(e.ts, e.id)
                    _add(into, FRICTION, (p, f), "exposed", 1)
                    if state.switched:
                        _add(into, FRICTION, (p, f), "exposed_switchers", 1)


def _map_step(state: CustomerState, e: StateEvent, personas: list[str], journey: JourneyState,
              into: Contribution) -> None:
    purchase = e.type == "purchase"
    for p in personas:
        cell = (p, e.stage, e.touchpoint)
        _add(into, MAP, cell, "interactions", 1)
        _add_scores(into, MAP, cell, e)
        if e.experience == "negative":
            _add(into, MAP, cell, "negatives", 1)
        for f in e.frictions:
            _add(into, MAP_FRICTION, (*cell, f), "hits", 1)
        if cell not in state.cells:
            state.cells.add(cell)
            _add(into, MAP, cell, "customers", 1)
        seen = journey.personas.get(p)
        if seen is None:
            seen = journey.personas[p] = JourneyView()
        if cell not in seen.cells:
            seen.cells.add(cell)
            _add(into, MAP, cell, "journeys", 1)
        # the journey's latest event made while p drops it there unless the journey converted (while p)
        if seen.last_cell is not None and not seen.converted:
            _add(into, MAP, seen.last_cell, "drops", -1)
        seen.converted = seen.converted or purchase
        if not seen.converted:
            _add(into, MAP, cell, "drops", 1)
        seen.last_cell = cell


def _channel_step(state: CustomerState, e: StateEvent, into: Contribution) -> None:
    ident = (e.channel,)
    _add(into, CHANNEL, ident, "interactions", 1)
    if e.channel not in state.channels:
        state.channels.add(e.channel)
        _add(into, CHANNEL, ident, "customers", 1)
    _add_scores(into, CHANNEL, ident, e)
    if e.nps is not None:
        _add(into, CHANNEL, ident, "nps_sum", e.nps)
        _add(into, CHANNEL, ident, "nps_count", 1)
        if e.nps >= 9:
            _add(into, CHANNEL, ident, "promoters", 1)
        elif e.nps <= 6:
            _add(into, CHANNEL, ident, "detractors", 1)
    if e.experience == "negative":
        _add(into, CHANNEL, ident, "negatives", 1)
    if e.outcome == "failure":
        _add(into, CHANNEL, ident, "failures", 1)
    if e.frictions:
        _add(into, CHANNEL, ident, "friction_hits", len(e.frictions))


def _path_step(state: CustomerState, e: StateEvent, journey: JourneyState, into: Contribution) -> None:
    steps = journey.steps
    for scope in journey.scopes:
        if steps:
            _add(into, TRANSITION, (scope, steps[-1], e.touchpoint), "occurrences", 1)
            gap = e.ts - journey.last_ts
            _add(into, GAP, (scope, steps[-1], e.touchpoint, gap_bucket(gap)), gap, 1)
        else:
            _add(into, PATH_SCOPE, (scope,), "journeys", 1)
    steps.append(e.touchpoint)
    journey.last_ts = e.ts
    state.unsettled.add(journey.id)


def settle(state: CustomerState, into: Contribution) -> None:
    """Count the variants (whole journeys' steps) of the journeys stepped since the last call: each journey's variant
    as counted before them -1, as it is now +1. `step` leaves this for the end of a run of steps (a fold, a batch's
    events of a customer): counting every prefix on the way made a journey of n events cost n^2 (20,000: 11 s)."""
    for jid in state.unsettled:
        journey = state.journeys[jid]
        before = tuple(journey.steps[:journey.counted_steps]) if journey.counted_steps else None
        after = tuple(journey.steps)
        for scope in journey.scopes:
            if before is not None:
                _variant(state, scope, before, -1, into)
            _variant(state, scope, after, 1, into)
        journey.counted_steps = len(after)
    state.unsettled.clear()


def _variant(state: CustomerState, scope: str, steps: tuple[str, ...], change: int, into: Contribution) -> None:
    key = (scope, steps)
    had = state.variants[key]
    state.variants[key] = had + change
    _add(into, PATH, key, "journeys", change)
    if had == 0 and change > 0:
        _add(into, PATH, key, "customers", 1)
    elif had + change == 0:
        _add(into, PATH, key, "customers", -1)
        del state.variants[key]


def _relationship_step(state: CustomerState, e: StateEvent, journey: JourneyState) -> None:
    if e.type == "purchase":
        state.purchases += 1
        state.last_purchase = e.ts
        journey.purchases += 1
    elif e.type in ("switch", "churn"):
        state.last_exit = e.ts
    if e.stage == "advocacy" or (e.nps is not None and e.nps >= 9):
        state.advocacy += 1
    if e.experience == "negative" or e.type == "complaint" or e.outcome == "failure":
        journey.negatives += 1
    journey.size += 1
    journey.stage = e.stage
    if e.trigger is not None:
        state.latest_trigger = (e.ts, e.id, e.trigger, e.experience)


def _timeline_step(state: CustomerState, e: StateEvent) -> None:
    position = len(state.times)
    state.times.append(e.ts)
    state.channels_in_order.append(e.channel or "")
    positions = state.positions
    for name in event_position_names((e.touchpoint, e.type, e.stage, e.channel, e.outcome)):
        positions.setdefault(name, []).append(position)
    for f in dict.fromkeys(e.frictions):
        positions.setdefault(position_name("friction", f), []).append(position)
        state.frictions_hit.add(f)
