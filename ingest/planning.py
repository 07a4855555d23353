"""Planning a batch of events: from what the graph holds (or a checked cache of it), the parameters of the one
atomic query that writes the batch (`cypher/internal/ingest-batch.cypher`) and what it changes.

Asking the graph little is what makes ingest fast: customers and the newest journey of each track (its tail) are
cached between batches, and duplicates are caught by the unique constraint on Interaction.id instead of a lookup. The
cache is checked, not trusted: the batch query fails on purpose (and rolls back) when a cached journey or customer is
not what the plan assumed (StaleCache), and the batch is then planned again carefully, from fresh reads.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any

from graph.errors import InputError, StoreError
from graph.store import GraphStore
from ingest import identity, linking
from ingest.auto_codes import AutoCodes
from ingest.contracts import Event
from ingest.linking import LinkPlan, Point, Tail
from ingest.lookups import (
    customer_journeys,
    histories,
    identity_owners,
    journey_members,
    journey_tails,
    known_customers,
    new_or_unlinked,
    recent_interactions,
)
from ingest.lru import LRU
from ingest.merging import merge_customer
from ingest.state_keeping import STATE_BUDGET_MB, LivePlan, StateKeeper
from ingest.suppression import Screen

CACHE_SIZE = 200_000  # customers and track tails remembered between batches (bounded: memory stays flat)
OPTIONAL_PROPERTIES = ("stage", "outcome", "experience", "csat", "ces", "nps", "sentiment", "text", "value",
                       "currency", "trigger", "competitor", "product")
_ARRIVAL_ORDER = attrgetter("ts", "event_id")


class StaleCache(StoreError):
    """The graph changed under the cached state a batch was planned from; plan again from fresh reads."""


class Duplicates(StoreError):
    """A batch held events already in the graph; plan again, reading which ones."""


@dataclass
class Applied:
    """What one batch changed."""

    ingested: int = 0
    duplicates: int = 0
    suppressed: int = 0  # events of people on the suppression list, dropped
    new_customers: int = 0
    journeys: int = 0  # journeys created minus journeys merged away
    merges: int = 0
    interactions: list[dict[str, Any]] = field(default_factory=list)  # summaries of the new interactions
    refused: list[tuple[Event, str]] = field(default_factory=list)  # events the store would not write, with why

    def add(self, part: Applied) -> None:
        """Add what `part` changed (counts add up, lists extend)."""
        for name in (f.name for f in fields(Applied)):
            setattr(self, name, getattr(self, name) + getattr(part, name))


@dataclass
class Planned:
    """A planned batch: the batch query's parameters (None: nothing to write) and what it changes."""

    params: dict[str, Any] | None
    applied: Applied
    live: LivePlan = field(default_factory=LivePlan)  # the live state's share: repairs to finish once written


def _nothing() -> None:
    pass


class BatchPlanner:
    """Plans batches of one writer: dedupe by event_id, screen, resolve identities, link journeys (not thread-safe)."""

    def __init__(self, store: GraphStore, identity_secret: bytes, journey_gap_ms: int, *,
                 clock: Callable[[], int], screen: Screen | None = None, state_budget_mb: float = STATE_BUDGET_MB
                 ) -> None:
        self.store = store
        self.clock = clock
        self.secret = identity_secret
        self.gap_ms = journey_gap_ms
        self.screen = screen  # the suppression list check every event written passes (None: no check)
        self.codes = AutoCodes(store)
        self.customers: LRU[str, str | None] = LRU(CACHE_SIZE)  # existing customer -> merged_into
        self.tails: LRU[tuple[str, str | None], Tail | None] = LRU(CACHE_SIZE)  # None: the track has no journey
        # called before a read that may depend on a write still in flight (see EventSink.apply_batches)
        self.settle: Callable[[], None] = _nothing
        self._absent: set[str] = set()  # customers a warm-up read found missing (valid for the next plan only)
        self.live = StateKeeper(store, state_budget_mb)
        self.live.settle = lambda: self.settle()

    def forget(self) -> None:
        """Drop every cached fact about the graph."""
        self.codes.forget()
        self.customers.clear()
        self.tails.clear()
        self._absent.clear()
        self.live.forget()
        if self.screen is not None:
            self.screen.forget()

    def warm(self, events: Sequence[Event]) -> None:
        """Read the customers and track tails `events` need that the caches lack, now (the store is idle): a read
        waits for a write in flight, so done later it would stall the pipeline. Only events with a customer_id and no
        identities (the others are planned after the write anyway). The write about to start cannot change these
        answers: the customers and tracks it touches are all in the caches already."""
        if self.screen is not None:
            self.screen.read_ahead(events)
        self._absent = set()
        tracks = {(e.customer_id, e.session_id) for e in events if e.customer_id is not None and not e.identities}
        unknown = sorted({cid for cid, _ in tracks if not self.customers.get(cid)[0]})
        found = known_customers(self.store, unknown) if unknown else {}
        for cid in unknown:
            if cid in found:
                self.customers.put(cid, found[cid].merged_into)
            else:
                self._absent.add(cid)
        merged = {cid for cid, _ in tracks if self.customers.get(cid)[1]}
        mergeless = [t for t in tracks if t[0] not in self._absent and t[0] not in merged]
        self._read_tails(mergeless, set())
        for key in tracks:
            if key[0] in self._absent:  # a customer the graph lacks has no journeys either
                self.tails.put(key, None)
        self.live.warm(sorted({cid for cid, _ in tracks if cid not in self._absent and cid not in merged}))

    def plan(self, events: Sequence[Event], careful: bool, summaries: bool, relink: set[str] | None = None
             ) -> Planned:
        """The batch query's parameters for `events`; `careful` reads which events are new instead of trusting the
        unique constraint (Duplicates when not careful and an event is known); `relink`: customers whose whole
        history is linked again."""
        result = Applied()
        if self.screen is not None:  # the one check every event write passes, whichever way it came in
            events, result.suppressed = self.screen.screen(events, lock_held=True)
            if result.suppressed:  # tying ids to an erased person may have erased what the caches describe
                self.settle()  # what is read again must include the write in flight (a customer it creates)
                self.forget()
        fresh: dict[str, Event] = {}
        for e in events:
            if e.event_id in fresh:
                result.duplicates += 1
            else:
                fresh[e.event_id] = e
        unlinked: set[str] = set()
        if careful:  # which events are new (and which customers hold an interaction without a journey)
            self.settle()
            new_ids, unlinked = new_or_unlinked(self.store, list(fresh))
            result.duplicates += len(fresh) - len(new_ids)
            fresh = {eid: e for eid, e in fresh.items() if eid in new_ids}
        todo = sorted(fresh.values(), key=_ARRIVAL_ORDER)
        if not todo and not unlinked and not relink:
            return Planned(None, result)
        now = self.clock()

        owners, identities, merges, created = self._resolve(todo)
        merging = {cid for merge in merges for cid in merge}
        live = LivePlan(repairs=self.live.start(merging))  # recorded before the merges change anything
        try:
            for loser, winner in merges:
                merge_customer(self.store, loser, winner, now)
                for key in [loser, winner]:
                    self.customers.put(key, winner if key == loser else None)
            # survivors of a merge hold journeys of two customers, and an interaction without a journey can only be
            # left by a job killed between a merge and its batch: both get their whole history relinked
            relink_all = {winner for _, winner in merges} | unlinked | (relink or set())
            plan, late = self._link(todo, owners, relink_all)
            self.codes.ensure(todo)

            placed = {iid: (jid, seq) for iid, jid, seq in plan.included}
            if not careful and any(e.event_id not in placed for e in todo):
                raise Duplicates("The batch holds events that a journey in the graph already includes.")
            journey_of = {e.event_id: placed[e.event_id][0] for e in todo}
            share = self.live.plan(todo, owners, journey_of, created, repaired=merging | relink_all | late,
                                   recorded=merging)
            live.repairs += share.repairs
            live.touched, live.params = share.touched, share.params
            groups, touchpoints = self._groups(todo, owners, placed, plan)
            extras = [x for x in (extras_row(e, owners[e.event_id]) for e in todo
                                  if e.friction or e.trigger or e.product or e.competitor) if x is not None]
            plan.included = [(iid, jid, seq) for iid, (jid, seq) in placed.items() if iid not in fresh]
            params = self._params(created, identities, groups, touchpoints, extras, plan, now)
            params["touchpoint_stages"] = self.live.stages_of(touchpoints)
            params.update(live.params)
        except BaseException:
            self.live.abandon(live)
            raise

        for cid in created:  # the write in flight creates them: later plans may count on them
            self.customers.put(cid, None)
        result.ingested = len(todo)
        result.new_customers = len(created)
        result.merges = len(merges)
        result.journeys = len(plan.created) - len(plan.dropped)
        if summaries:
            result.interactions = [{"id": e.event_id, "customer_id": owners[e.event_id], "touchpoint": e.touchpoint,
                                    "type": e.type, "ts": e.ts, "frictions": list(e.friction)} for e in todo]
        return Planned(params, result, live)

    def _groups(self, events: Sequence[Event], owners: Mapping[str, str], placed: Mapping[str, tuple[str, int]],
                plan: LinkPlan) -> tuple[list[list[Any]], list[str]]:
        """The new interactions grouped by journey, as rows of the batch query (the ingest-group-interactions
        fragment), and the touchpoints they refer to. NEXT links the query cannot make inside a group stay in
        plan.next_added."""
        touchpoints = sorted({e.touchpoint for e in events})
        place = {code: n for n, code in enumerate(touchpoints)}
        journeys = {j.id: j for j in plan.journeys}
        previous = {b: a for a, b in plan.next_added}
        by_journey: dict[str, list[tuple[int, Event]]] = {}
        for e in events:
            jid, seq = placed[e.event_id]
            by_journey.setdefault(jid, []).append((seq, e))
        groups: list[list[Any]] = []
        for jid, members in by_journey.items():
            members.sort(key=lambda m: m[0])
            journey = journeys[jid]
            first_id = members[0][1].event_id
            before = previous.get(first_id)
            if before is not None and before not in placed:  # the interaction it follows is already in the graph
                del previous[first_id]
            else:
                before = None
            rows = []
            for n, (seq, e) in enumerate(members):
                follows = before if n == 0 else None
                if n and previous.get(e.event_id) == members[n - 1][1].event_id:
                    follows = previous.pop(e.event_id)
                rows.append([e.event_id, e.ts, e.type, place[e.touchpoint], seq, follows, e.channel,
                             optional_properties(e)])
            is_new = jid in plan.created
            groups.append([jid, owners[members[0][1].event_id], is_new,
                           0 if is_new else plan.expected_size.get(jid, 0), journey.start_ts, journey.end_ts,
                           journey.size, journey.session_id, rows])
        plan.next_added = sorted((a, b) for b, a in previous.items())
        plan.journeys = [j for j in plan.journeys if j.id not in by_journey]  # the groups write those
        return groups, touchpoints

    def _params(self, created: set[str], identities: list[dict[str, str]], groups: list[list[Any]],
                touchpoints: list[str], extras: list[dict[str, Any]], plan: LinkPlan, now: int) -> dict[str, Any]:
        journeys = [j.row() for j in plan.journeys]
        params: dict[str, Any] = {
            "now": now,
            "customers": sorted(created),
            "identities": identities,
            "dropped": plan.dropped,
            "next_removed": [list(p) for p in plan.next_removed],
            "unincluded": [list(p) for p in plan.unincluded],
            "new_journeys": [j for j in journeys if j["id"] in plan.created],
            "updated_journeys": [dict(j, expected_size=plan.expected_size.get(str(j["id"]), j["size"]))
                                 for j in journeys if j["id"] not in plan.created],
            "touchpoints": touchpoints,
            "new_groups": [g for g in groups if g[2]],
            "old_groups": [g for g in groups if not g[2]],
            "extras": extras,
            "included": [list(x) for x in plan.included],
            "reseq": [list(x) for x in plan.reseq],
            "next_added": [list(p) for p in plan.next_added],
        }
        return params

    # -- identity resolution ----------------------------------------------------------------------------------
    def _resolve(self, events: Sequence[Event]
                 ) -> tuple[dict[str, str], list[dict[str, str]], list[tuple[str, str]], set[str]]:
        """Owner of every event, identities to attach, merges (loser, survivor) in order, and the customers the
        batch creates."""
        refs_of = {e.event_id: identity.refs(self.secret, e.identities) for e in events if e.identities}
        if refs_of:  # identity owners and counts may be changing in the write in flight
            self.settle()
        keys = sorted({r.key for rs in refs_of.values() for r in rs})
        owner_of_key = identity_owners(self.store, keys) if keys else {}
        graph = identity.IdentityGraph(owner=dict(owner_of_key))
        declared = {e.customer_id for e in events if e.customer_id}
        involved = declared | set(owner_of_key.values())
        known: set[str] = set()
        # identity events need each customer's identity counts (guardrails): always read those customers
        to_read = set(owner_of_key.values()) | {e.customer_id for e in events if e.customer_id and e.identities}
        wanted, checked = involved - to_read, set[str]()
        while wanted or to_read:
            for cid in sorted(wanted):  # the cache knows most of them
                cached, merged_into = self.customers.get(cid)
                if cached:
                    known.add(cid)
                    if merged_into:
                        graph.merged_into[cid] = merged_into
                elif cid not in self._absent:
                    to_read.add(cid)
            if to_read:
                if checked:  # a survivor the write in flight may be merging further
                    self.settle()
                for cid, customer in known_customers(self.store, sorted(to_read)).items():
                    known.add(cid)
                    self.customers.put(cid, customer.merged_into)
                    graph.kinds[cid] = Counter(customer.identity_kinds)
                    if customer.merged_into:
                        graph.merged_into[cid] = customer.merged_into
            checked |= wanted | to_read
            # a merged customer's survivor, and its survivor when a later merge made that one a loser too: the
            # customer an event goes to today (else it would be taken for a new one)
            wanted, to_read = set(graph.merged_into.values()) - known - checked, set()
        owners: dict[str, str] = {}
        attach: dict[str, identity.IdentityRef] = {}
        merges: list[tuple[str, str]] = []
        if not refs_of and not graph.merged_into:  # the common batch: every event names its customer, none merged
            owners = {e.event_id: e.customer_id for e in events if e.customer_id is not None}
            if len(owners) == len(events):
                return owners, [], [], declared - known
            owners = {}
        for e in events:
            refs = refs_of.get(e.event_id, [])
            if not refs:
                if e.customer_id is None:
                    raise InputError(f"Event {e.event_id} has no customer_id and no usable identity.")
                owners[e.event_id] = graph.current(e.customer_id)
                continue
            resolution = graph.resolve(e.customer_id, refs)
            owners[e.event_id] = resolution.customer_id
            merges += [(loser, resolution.customer_id) for loser in resolution.merged]
            attach.update((ref.key, ref) for ref in resolution.attach)
        final = {eid: graph.current(cid) for eid, cid in owners.items()}
        identities = [{"key": key, "kind": ref.kind, "hash": ref.hash, "customer_id": graph.current(graph.owner[key])}
                      for key, ref in sorted(attach.items())]
        created = (set(final.values()) | {i["customer_id"] for i in identities}) - known \
            - {loser for loser, _ in merges} - {winner for _, winner in merges}
        return final, identities, merges, created

    # -- journey linking --------------------------------------------------------------------------------------
    def _link(self, events: Sequence[Event], owners: Mapping[str, str], relink_all: set[str]
              ) -> tuple[LinkPlan, set[str]]:
        """The journey changes for `events` (sorted by ts, event_id, so each track's points are in order), and the
        customers with late events (`relink_all` gains the customers whose whole history is relinked)."""
        tracks: dict[tuple[str, str | None], list[Point]] = {}
        for e in events:
            tracks.setdefault((owners[e.event_id], e.session_id), []).append(Point(e.ts, e.event_id, e.session_id))
        self._read_tails([t for t in tracks if t[0] not in relink_all], relink_all)
        plan = LinkPlan()
        late: list[tuple[str, str | None]] = []
        for (cid, sid), points in tracks.items():
            if cid in relink_all:
                continue
            _, tail = self.tails.get((cid, sid))
            if tail is not None and points[0] <= tail.last:  # equal: an event the graph already holds
                late.append((cid, sid))
                continue
            _, new_tail = linking.extend(cid, sid, tail, points, self.gap_ms, into=plan, in_order=True)
            self.tails.put((cid, sid), new_tail)
        if late or relink_all:  # these read interactions the write in flight may be adding
            self.settle()
        for (cid, sid), (linked, track_plan_points) in self._recent(late, tracks).items():
            track_plan, new_tail = linking.relink(cid, sid, linked, track_plan_points, self.gap_ms)
            plan.add(track_plan)
            self.tails.put((cid, sid), new_tail)
        if relink_all:
            history = histories(self.store, sorted(relink_all))
            for cid in sorted(relink_all):
                by_track: dict[str | None, list[Point]] = {}
                for p in history.get(cid, []):
                    by_track.setdefault(p.session_id, []).append(p)
                sessions = set(by_track) | {s for c, s in tracks if c == cid}
                for sid in sorted(sessions, key=lambda s: "" if s is None else f"~{s}"):
                    track_plan, new_tail = linking.relink(cid, sid, by_track.get(sid, []), tracks.get((cid, sid), []),
                                                          self.gap_ms)
                    plan.add(track_plan)
                    self.tails.put((cid, sid), new_tail)
        return plan, {cid for cid, _ in late}

    def _read_tails(self, tracks: Sequence[tuple[str, str | None]], relink_all: set[str]) -> None:
        """Fill the tail cache for the tracks it lacks. A customer holding journeys that are not its own (left by a
        merge whose batch was killed) joins `relink_all`."""
        missing = [t for t in tracks if not self.tails.get(t)[0]]
        if not missing:
            return
        journeys = customer_journeys(self.store, sorted({cid for cid, _ in missing}))
        wanted: dict[str, tuple[str, str | None]] = {}
        for cid, sid in missing:
            clean, gap_jid = journeys.get(cid, (True, None))
            if not clean:
                relink_all.add(cid)
            elif sid is not None:
                wanted[linking.journey_id(cid, sid, Point(0, ""))] = (cid, sid)
            elif gap_jid is not None:
                wanted[gap_jid] = (cid, None)
            else:
                self.tails.put((cid, None), None)
        found = journey_tails(self.store, sorted(wanted)) if wanted else {}
        for jid, key in wanted.items():
            self.tails.put(key, found.get(jid))

    def _recent(self, late: Sequence[tuple[str, str | None]], tracks: Mapping[tuple[str, str | None], list[Point]]
                ) -> dict[tuple[str, str | None], tuple[list[Point], list[Point]]]:
        """For tracks with late events: the linked points of every journey a late event can touch (those reaching
        within one gap of the earliest late event; older journeys cannot be bridged), and the arriving points."""
        out: dict[tuple[str, str | None], tuple[list[Point], list[Point]]] = {}
        if not late:
            return out
        rows = [{"cid": cid, "from_ts": min(tracks[(cid, sid)]).ts - self.gap_ms} for cid, sid in late if sid is None]
        journey_ids: dict[str, tuple[str, str | None]] = {}
        loose: dict[tuple[str, str | None], list[Point]] = {}
        for row in recent_interactions(self.store, rows):
            if row["jid"] is not None:
                journey_ids[row["jid"]] = (row["cid"], None)
            elif row["loose_id"] is not None:
                loose.setdefault((row["cid"], None), []).append(Point(int(row["loose_ts"]), row["loose_id"]))
        for cid, sid in late:
            if sid is not None:
                journey_ids[linking.journey_id(cid, sid, Point(0, ""))] = (cid, sid)
        linked: dict[tuple[str, str | None], list[Point]] = {key: list(loose.get(key, [])) for key in late}
        for row in journey_members(self.store, sorted(journey_ids)):
            key = journey_ids[row["jid"]]
            linked[key].append(Point(int(row["ts"]), row["id"], row["sid"], row["jid"]))
        return {key: (linked[key], tracks[key]) for key in late}


_optional_values = attrgetter(*OPTIONAL_PROPERTIES)


def optional_properties(event: Event) -> list[Any] | None:
    """The Interaction properties an event may carry, by position: OPTIONAL_PROPERTIES, then frictions and
    attributes (JSON text); None when it has none of them (most events). Absent values stay absent: a null
    property is not stored. A list, not a map: maps cost a pass over the parameter text to quote their keys."""
    values = _optional_values(event)
    if values.count(None) == len(values) and not event.friction and not event.attributes:
        return None
    return [*values, list(event.friction) if event.friction else None,
            json.dumps(event.attributes, sort_keys=True, ensure_ascii=False, default=str)
            if event.attributes else None]


def extras_row(event: Event, customer_id: str) -> dict[str, Any] | None:
    """The relationships beyond customer, touchpoint and journey (frictions, trigger, product, switch), if any."""
    switched_to = event.competitor if event.type == "switch" else None
    if not (event.friction or event.trigger or event.product or switched_to):
        return None
    row: dict[str, Any] = {"id": event.event_id}
    if event.friction:
        row["frictions"] = list(event.friction)
    if event.trigger:
        row["trigger"], row["experience"] = event.trigger, event.experience
    if event.product:
        row["product"] = event.product
    if switched_to:
        row["switched_to"], row["customer_id"], row["ts"] = switched_to, customer_id, event.ts
    return row
