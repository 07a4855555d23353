"""The live state's part of planning a batch of events (docs/ingest.md "How writes keep the live state").

A customer whose new events all come after the last event folded into its state (in (ts, event_id) order), and
that no merge or relink touches, takes the **fast path**: its fold state (`graph.live_state.fold`; kept between
batches within a memory budget by `ingest.fold_states`, read from the graph and folded on a miss) steps through the
events, and the batch's one atomic query carries the summed counter deltas and the facts that changed. Every other
customer of the batch takes the **repair path**: its old contribution is recorded before the batch changes anything
(`graph.live_state.repair.start`) and replaced once the batch is written (`finish`, in the sink's writer). A plan
that is dropped gives back what it recorded (`abandon`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.live_state.fold import (
    Contribution,
    StateEvent,
    counted,
    empty_state,
    fold,
    settle,
    step,
)
from graph.live_state.repair import Started, finish, read_inputs, start
from graph.live_state.writes import FACT_PARAMS, counter_params, facts_params, no_state
from graph.settings import Settings
from graph.store import GraphStore
from ingest.contracts import Event
from ingest.fold_states import FoldStates

STATE_BUDGET_MB = Settings.ingest_state_mb  # memory for the fold states kept between batches (the rest on disk)


def _nothing() -> None:
    pass


@dataclass
class LivePlan:
    """The live state's share of a planned batch."""

    params: dict[str, list[Any]] = field(default_factory=no_state)  # rows of the fragment live-state-write
    repairs: list[Started] = field(default_factory=list)  # to finish once the batch is written (or dropped)
    touched: set[str] = field(default_factory=set)  # customers whose cached state the plan stepped


class StateKeeper:
    """Keeps the live state for one writer's batches: cached fold states, touchpoint stages (not thread-safe)."""

    def __init__(self, store: GraphStore, budget_mb: float = STATE_BUDGET_MB) -> None:
        self.store = store
        self.states = FoldStates(int(budget_mb * 2**20))
        self.stages: dict[str, str | None] = {}  # touchpoint code -> its catalog stage, as the graph holds it
        self.settle: Callable[[], None] = _nothing  # waits for the write in flight (see EventSink.apply_batches)
        self.recent: set[str] = set()  # customers the last plan touched: the write in flight may change them

    def forget(self) -> None:
        self.states.clear()
        self.stages.clear()
        self.recent.clear()

    def start(self, customers: Collection[str]) -> list[Started]:
        """Record these customers' contribution before the batch changes them (merges, relinks, late events)."""
        if not customers:
            return []
        self.settle()  # what the write in flight changes is part of the contribution to record
        for cid in customers:
            self.states.discard(cid)
        return [start(self.store, sorted(customers))]

    def stages_of(self, touchpoints: Sequence[str]) -> list[str | None]:
        missing = [code for code in touchpoints if code not in self.stages]
        if missing:
            self.stages.update({r["code"]: r["stage"] for r in self.store.run("touchpoint-stages", {"codes": missing})})
        return [self.stages.get(code) for code in touchpoints]

    def warm(self, customers: Collection[str]) -> None:
        """Fold now the states of customers a coming batch needs (the store is idle): none the write about to start
        touches, whose inputs it may change."""
        wanted = [cid for cid in customers if cid not in self.recent and not self.states.has(cid)]
        if wanted:
            self._load(wanted)

    def plan(self, events: Sequence[Event], owners: Mapping[str, str], journey_of: Mapping[str, str],
             created: Collection[str], repaired: Collection[str], recorded: Collection[str]) -> LivePlan:
        """The state's share of a batch of new `events` (sorted by (ts, event_id)): `owners` their customers,
        `journey_of` their journeys, `created` the customers the batch creates, `repaired` the customers it relinks
        or merges (`recorded`: those whose contribution is recorded already)."""
        by_customer: dict[str, list[Event]] = {}
        for e in events:
            by_customer.setdefault(owners[e.event_id], []).append(e)
        live = LivePlan(touched=set(by_customer) | set(repaired))
        fast = [cid for cid in by_customer if cid not in repaired]
        missing = [cid for cid in fast if cid not in created and not self.states.has(cid)]
        if missing:
            if not self.recent.isdisjoint(missing):
                self.settle()
            self._load(missing)
        late = set()
        for cid in fast:
            state = self.states.get(cid)[1]
            if state is None:  # new to the graph (or gone from it): nothing folded yet
                state = empty_state(cid)
                self.states.put(cid, state)
            first = by_customer[cid][0]
            if state.last is not None and (first.ts, first.event_id) <= state.last:
                late.add(cid)
        live.repairs = self.start((set(repaired) | late) - set(recorded))
        delta: Contribution = {}
        facts: dict[str, list[Any]] = {name: [] for name in FACT_PARAMS}
        stage_of = dict(zip(*self._stages(events), strict=True))
        for cid in fast:
            if cid in late:
                continue
            state = self.states.get(cid)[1]
            assert state is not None
            journeys = {journey_of[e.event_id] for e in by_customer[cid]}  # the only ones these events change
            before = state.facts(journeys)
            into = delta if counted(state) else {}  # the steps' counter changes, summed over the batch
            for e in by_customer[cid]:
                step(state, _state_event(e, journey_of[e.event_id], stage_of[e.touchpoint]), into)
            settle(state, into)
            # the customer's rows now, so that no snapshot holds its state once the budget sends it to disk
            for name, rows in facts_params({cid: state.facts(journeys)}, {cid: before}, appended=True).items():
                facts[name] += rows
            self.states.put(cid, state)  # its weight grew
        live.params = {**counter_params(delta), **facts}
        self.recent = live.touched
        return live

    def _stages(self, events: Sequence[Event]) -> tuple[list[str], list[str | None]]:
        touchpoints = sorted({e.touchpoint for e in events})
        return touchpoints, self.stages_of(touchpoints)

    def _load(self, customers: Sequence[str]) -> None:
        for cid, inputs in read_inputs(self.store, customers).items():
            self.states.put(cid, fold(inputs)[0])

    def abandon(self, live: LivePlan) -> None:
        """Give back a plan that will not be written: its recorded repairs are finished as things are, the states
        it stepped forgotten."""
        for cid in live.touched:
            self.states.discard(cid)
        self._finish_repairs(live)

    def written(self, live: LivePlan) -> None:
        """Finish a plan's repairs once its batch is written."""
        self._finish_repairs(live)

    def _finish_repairs(self, live: LivePlan) -> None:
        for begun in live.repairs:
            finish(self.store, begun)
        live.repairs = []


def _state_event(e: Event, journey_id: str, catalog_stage: str | None) -> StateEvent:
    """An event as its interaction will be stored (the stage: its own, else its touchpoint's)."""
    return StateEvent(id=e.event_id, ts=e.ts, type=e.type, touchpoint=e.touchpoint, channel=e.channel,
                      journey_id=journey_id, stage=e.stage if e.stage is not None else catalog_stage,
                      outcome=e.outcome, experience=e.experience, csat=e.csat, ces=e.ces, nps=e.nps,
                      frictions=tuple(e.friction), competitor=e.competitor, trigger=e.trigger)
