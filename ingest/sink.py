"""Every write and read the ingest jobs make, as `UNWIND $rows` queries through the store port.

One batch of events is written by ONE query (`write_batch`): new customers, identities, journey changes, the
interactions with all their relationships, INCLUDES and NEXT. A query is atomic on both engines, so a job killed
between batches leaves the graph exactly as after the previous batch, and the re-run converges. Only catalog codes
(idempotent MERGE) and identity merges (which mark the survivor for relinking) are separate queries.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.errors import InputError
from graph.ontology import STAGES, Label, Rel
from graph.store import GraphStore
from ingest import identity, linking
from ingest.contracts import Event
from ingest.linking import LinkPlan, Point, Tail

L, R = Label, Rel

# -- catalog codes an event refers to: created on the fly with auto = true --------------------------------------
_ENSURE_CODES = f"""
UNWIND $channels AS code MERGE (c:{L.CHANNEL} {{code: code}}) ON CREATE SET c.auto = true
WITH count(*) AS _
UNWIND $stages AS s MERGE (st:{L.STAGE} {{name: s.name}}) ON CREATE SET st.order = s.order
WITH count(*) AS _
UNWIND $touchpoints AS tp
MERGE (t:{L.TOUCHPOINT} {{code: tp.code}})
  ON CREATE SET t.auto = true, t.channel = tp.channel, t.stage = tp.stage
WITH t, tp WHERE t.auto = true AND NOT (t)-[:{R.ON}]->()
MATCH (c:{L.CHANNEL} {{code: tp.channel}})
MERGE (t)-[:{R.ON}]->(c)
FOREACH (s IN CASE WHEN tp.stage IS NULL THEN [] ELSE [tp.stage] END |
  MERGE (st:{L.STAGE} {{name: s}}) MERGE (t)-[:{R.IN_STAGE}]->(st))
WITH count(*) AS _
UNWIND $frictions AS f
MERGE (x:{L.FRICTION_POINT} {{code: f.code}}) ON CREATE SET x.auto = true, x.touchpoint = f.touchpoint
WITH x, f WHERE x.auto = true AND NOT (x)-[:{R.OCCURS_AT}]->()
MATCH (t:{L.TOUCHPOINT} {{code: f.touchpoint}})
MERGE (x)-[:{R.OCCURS_AT}]->(t)
WITH count(*) AS _
UNWIND $triggers AS code MERGE (x:{L.TRIGGER_EVENT} {{code: code}}) ON CREATE SET x.auto = true
WITH count(*) AS _
UNWIND $competitors AS code MERGE (x:{L.COMPETITOR} {{code: code}}) ON CREATE SET x.auto = true
WITH count(*) AS _
UNWIND $products AS code MERGE (x:{L.PRODUCT} {{code: code}}) ON CREATE SET x.auto = true
RETURN count(*) AS n
"""

# -- the batch: one atomic query ------------------------------------------------------------------------------
_WRITE_BATCH = f"""
UNWIND $customers AS cid
MERGE (c:{L.CUSTOMER} {{id: cid}}) ON CREATE SET c.created_ts = $now, c.updated_ts = $now
WITH count(*) AS _
UNWIND $identities AS idn
MATCH (c:{L.CUSTOMER} {{id: idn.customer_id}})
MERGE (x:{L.IDENTITY} {{key: idn.key}}) ON CREATE SET x.kind = idn.kind, x.hash = idn.hash
MERGE (x)-[:{R.IDENTIFIES}]->(c)
WITH count(*) AS _
UNWIND $dropped AS jid
MATCH (j:{L.JOURNEY} {{id: jid}}) DETACH DELETE j
WITH count(*) AS _
UNWIND $next_removed AS pair
MATCH (:{L.INTERACTION} {{id: pair[0]}})-[r:{R.NEXT}]->(:{L.INTERACTION} {{id: pair[1]}}) DELETE r
WITH count(*) AS _
UNWIND $unincluded AS pair
MATCH (:{L.JOURNEY} {{id: pair[1]}})-[r:{R.INCLUDES}]->(:{L.INTERACTION} {{id: pair[0]}}) DELETE r
WITH count(*) AS _
UNWIND $journeys AS jr
MATCH (c:{L.CUSTOMER} {{id: jr.customer_id}})
MERGE (j:{L.JOURNEY} {{id: jr.id}})
SET j.customer_id = jr.customer_id, j.session_id = jr.session_id, j.start_ts = jr.start_ts,
    j.end_ts = jr.end_ts, j.size = jr.size
MERGE (c)-[:{R.TOOK}]->(j)
WITH count(*) AS _
UNWIND $events AS e
MATCH (c:{L.CUSTOMER} {{id: e.p.customer_id}})
MATCH (t:{L.TOUCHPOINT} {{code: e.p.touchpoint}})
MATCH (j:{L.JOURNEY} {{id: e.p.journey_id}})
CREATE (c)-[:{R.PERFORMED}]->(i:{L.INTERACTION})-[:{R.AT}]->(t)
SET i = e.p, i.stage = coalesce(e.p.stage, t.stage)
CREATE (j)-[:{R.INCLUDES} {{seq: e.seq}}]->(i)
FOREACH (code IN coalesce(e.p.frictions, []) |
  MERGE (f:{L.FRICTION_POINT} {{code: code}}) CREATE (i)-[:{R.HIT}]->(f))
FOREACH (code IN CASE WHEN e.p.trigger IS NULL THEN [] ELSE [e.p.trigger] END |
  MERGE (g:{L.TRIGGER_EVENT} {{code: code}}) CREATE (i)-[:{R.TRIGGERED} {{experience: e.p.experience}}]->(g))
FOREACH (code IN CASE WHEN e.p.product IS NULL THEN [] ELSE [e.p.product] END |
  MERGE (p:{L.PRODUCT} {{code: code}}) CREATE (i)-[:{R.ABOUT}]->(p))
FOREACH (code IN CASE WHEN e.p.type = 'switch' THEN [e.p.competitor] ELSE [] END |
  MERGE (k:{L.COMPETITOR} {{code: code}}) CREATE (c)-[:{R.SWITCHED_TO} {{ts: e.p.ts, event_id: e.p.id}}]->(k))
WITH count(*) AS _
UNWIND $included AS inc
MATCH (j:{L.JOURNEY} {{id: inc[1]}})
MATCH (i:{L.INTERACTION} {{id: inc[0]}})
CREATE (j)-[:{R.INCLUDES} {{seq: inc[2]}}]->(i)
SET i.journey_id = inc[1]
WITH count(*) AS _
UNWIND $reseq AS rs
MATCH (:{L.JOURNEY} {{id: rs[1]}})-[r:{R.INCLUDES}]->(:{L.INTERACTION} {{id: rs[0]}})
SET r.seq = rs[2]
WITH count(*) AS _
UNWIND $next_added AS pair
MATCH (a:{L.INTERACTION} {{id: pair[0]}})
MATCH (b:{L.INTERACTION} {{id: pair[1]}})
CREATE (a)-[:{R.NEXT}]->(b)
RETURN count(*) AS n
"""

# -- identity merge: move everything of the loser to the survivor ----------------------------------------------
_MERGE_CUSTOMER = f"""
MATCH (l:{L.CUSTOMER} {{id: $loser}}) MATCH (s:{L.CUSTOMER} {{id: $survivor}})
SET l.merged_into = s.id, l.updated_ts = $now, s.updated_ts = $now
WITH count(*) AS _
MATCH (x:{L.IDENTITY})-[r:{R.IDENTIFIES}]->(:{L.CUSTOMER} {{id: $loser}}) MATCH (s:{L.CUSTOMER} {{id: $survivor}})
DELETE r MERGE (x)-[:{R.IDENTIFIES}]->(s)
WITH count(*) AS _
MATCH (:{L.CUSTOMER} {{id: $loser}})-[r:{R.PERFORMED}]->(i) MATCH (s:{L.CUSTOMER} {{id: $survivor}})
DELETE r CREATE (s)-[:{R.PERFORMED}]->(i) SET i.customer_id = $survivor
WITH count(*) AS _
MATCH (:{L.CUSTOMER} {{id: $loser}})-[r:{R.TOOK}]->(j) MATCH (s:{L.CUSTOMER} {{id: $survivor}})
DELETE r CREATE (s)-[:{R.TOOK}]->(j) SET j.customer_id = $survivor
WITH count(*) AS _
MATCH (:{L.CUSTOMER} {{id: $loser}})-[r:{R.SWITCHED_TO}]->(k) MATCH (s:{L.CUSTOMER} {{id: $survivor}})
CREATE (s)-[:{R.SWITCHED_TO} {{ts: r.ts, event_id: r.event_id}}]->(k) DELETE r
WITH count(*) AS _
MATCH (:{L.CUSTOMER} {{id: $loser}})-[r:{R.SHOWS}]->(p) MATCH (s:{L.CUSTOMER} {{id: $survivor}})
CREATE (s)-[:{R.SHOWS} {{weight: r.weight, since: r.since, until: r.until, source: r.source}}]->(p) DELETE r
WITH count(*) AS _
MATCH (:{L.CUSTOMER} {{id: $loser}})-[r:{R.GAVE}]->(k) MATCH (s:{L.CUSTOMER} {{id: $survivor}})
DELETE r CREATE (s)-[:{R.GAVE}]->(k) SET k.customer_id = $survivor
RETURN count(*) AS n
"""

# -- reads ----------------------------------------------------------------------------------------------------
_EXISTING_EVENTS = f"""
UNWIND $ids AS id MATCH (i:{L.INTERACTION} {{id: id}}) RETURN i.id AS id, i.journey_id AS jid, i.customer_id AS cid
"""
_CUSTOMERS = f"""
UNWIND $ids AS cid MATCH (c:{L.CUSTOMER} {{id: cid}})
OPTIONAL MATCH (c)<-[:{R.IDENTIFIES}]-(x:{L.IDENTITY})
RETURN cid, c.merged_into AS merged_into, collect(x.kind) AS kinds
"""
_IDENTITY_OWNERS = f"""
UNWIND $keys AS k MATCH (:{L.IDENTITY} {{key: k}})-[:{R.IDENTIFIES}]->(c:{L.CUSTOMER})
RETURN k AS key, c.id AS cid
"""
_GAP_TAILS = f"""
UNWIND $ids AS cid
MATCH (j:{L.JOURNEY} {{customer_id: cid}}) WHERE j.session_id IS NULL
WITH cid, max(j.end_ts) AS end_ts, collect(j.id) AS ids
MATCH (j:{L.JOURNEY} {{customer_id: cid}}) WHERE j.session_id IS NULL AND j.end_ts = end_ts
MATCH (j)-[r:{R.INCLUDES}]->(last:{L.INTERACTION}) WHERE r.seq = j.size
RETURN cid, j.id AS jid, j.start_ts AS start_ts, j.size AS size, last.id AS last_id, last.ts AS last_ts, ids
"""
_SESSION_TAILS = f"""
UNWIND $ids AS jid
MATCH (j:{L.JOURNEY} {{id: jid}})-[r:{R.INCLUDES}]->(last:{L.INTERACTION}) WHERE r.seq = j.size
RETURN jid, j.customer_id AS cid, j.start_ts AS start_ts, j.size AS size, last.id AS last_id, last.ts AS last_ts
"""
_HISTORY = f"""
UNWIND $ids AS cid MATCH (i:{L.INTERACTION} {{customer_id: cid}})
RETURN cid, i.id AS id, i.ts AS ts, i.session_id AS sid, i.journey_id AS jid
"""

READ_CHUNK = 5000


@dataclass
class BatchWrite:
    """Everything one batch changes; `write_batch` applies it in one query."""

    customers: list[str] = field(default_factory=list)
    identities: list[dict[str, str]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    plan: LinkPlan = field(default_factory=LinkPlan)

    def params(self, now: int) -> dict[str, Any]:
        plan = self.plan
        return {
            "now": now,
            "customers": self.customers,
            "identities": self.identities,
            "dropped": plan.dropped,
            "next_removed": [list(p) for p in plan.next_removed],
            "unincluded": [list(p) for p in plan.unincluded],
            "journeys": [j.row() for j in plan.journeys],
            "events": self.events,
            "included": [list(x) for x in plan.included],
            "reseq": [list(x) for x in plan.reseq],
            "next_added": [list(p) for p in plan.next_added],
        }


def write_batch(store: GraphStore, batch: BatchWrite, now: int) -> None:
    store.write(_WRITE_BATCH, batch.params(now), name="ingest-batch")


def interaction_row(event: Event, customer_id: str, journey_id: str, seq: int) -> dict[str, Any]:
    """The Interaction's properties (absent values left out) and its seq in the journey."""
    p: dict[str, Any] = {"id": event.event_id, "ts": event.ts, "type": event.type, "customer_id": customer_id,
                         "journey_id": journey_id, "channel": event.channel, "touchpoint": event.touchpoint}
    for name in ("session_id", "stage", "outcome", "experience", "csat", "ces", "nps", "sentiment", "text",
                 "trigger", "competitor", "product", "value", "currency"):
        value = getattr(event, name)
        if value is not None:
            p[name] = value
    if event.friction:
        p["frictions"] = list(event.friction)
    if event.attributes:
        p["attributes"] = json.dumps(event.attributes, sort_keys=True, ensure_ascii=False, default=str)
    return {"p": p, "seq": seq}


@dataclass
class CodeRegistry:
    """Catalog codes known to exist, so each batch asks the store to create only the codes it has not seen."""

    known: dict[str, set[str]] = field(default_factory=dict)

    def ensure(self, store: GraphStore, events: Iterable[Event]) -> int:
        """Create the channels, touchpoints, frictions, … the events use and the graph lacks (auto = true)."""
        wanted: dict[str, dict[str, Any]] = {k: {} for k in
                                             ("channels", "touchpoints", "frictions", "triggers", "competitors",
                                              "products")}
        for e in events:
            self._want(wanted, "channels", e.channel, e.channel)
            self._want(wanted, "touchpoints", e.touchpoint,
                       {"code": e.touchpoint, "channel": e.channel, "stage": e.stage})
            for f in e.friction:
                self._want(wanted, "frictions", f, {"code": f, "touchpoint": e.touchpoint})
            if e.trigger:
                self._want(wanted, "triggers", e.trigger, e.trigger)
            if e.competitor:
                self._want(wanted, "competitors", e.competitor, e.competitor)
            if e.product:
                self._want(wanted, "products", e.product, e.product)
        if not any(wanted.values()):
            return 0
        params: dict[str, Any] = {k: sorted(v.values(), key=_code_of) for k, v in wanted.items()}
        params["stages"] = [{"name": s, "order": n} for n, s in enumerate(STAGES, start=1)]
        store.write(_ENSURE_CODES, params, name="ingest-codes")
        for kind, codes in wanted.items():
            self.known.setdefault(kind, set()).update(codes)
        return sum(len(v) for v in wanted.values())

    def _want(self, wanted: dict[str, dict[str, Any]], kind: str, code: str, row: Any) -> None:
        if code not in self.known.get(kind, ()) and code not in wanted[kind]:
            wanted[kind][code] = row


def _code_of(row: Any) -> str:
    return str(row["code"]) if isinstance(row, dict) else str(row)


def merge_customer(store: GraphStore, loser: str, survivor: str, now: int) -> None:
    store.write(_MERGE_CUSTOMER, {"loser": loser, "survivor": survivor, "now": now}, name="ingest-merge")


# -- reads used to plan a batch -------------------------------------------------------------------------------
def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), READ_CHUNK):
        yield items[start:start + READ_CHUNK]


def existing_events(store: GraphStore, ids: Sequence[str]) -> dict[str, tuple[str | None, str]]:
    """event_id -> (journey id or None when not linked, customer id) for the ids already in the graph."""
    found: dict[str, tuple[str | None, str]] = {}
    for chunk in _chunks(ids):
        for row in store.read(_EXISTING_EVENTS, {"ids": list(chunk)}, name="ingest-existing"):
            found[row["id"]] = (row["jid"], row["cid"])
    return found


@dataclass(frozen=True, slots=True)
class KnownCustomer:
    merged_into: str | None
    identity_kinds: tuple[str, ...]


def known_customers(store: GraphStore, ids: Sequence[str]) -> dict[str, KnownCustomer]:
    found: dict[str, KnownCustomer] = {}
    for chunk in _chunks(ids):
        for row in store.read(_CUSTOMERS, {"ids": list(chunk)}, name="ingest-customers"):
            found[row["cid"]] = KnownCustomer(row["merged_into"], tuple(k for k in row["kinds"] if k))
    return found


def identity_owners(store: GraphStore, keys: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in _chunks(keys):
        for row in store.read(_IDENTITY_OWNERS, {"keys": list(chunk)}, name="ingest-identities"):
            found[row["key"]] = row["cid"]
    return found


@dataclass(frozen=True, slots=True)
class GapTail:
    tail: Tail
    clean: bool  # every gap journey of the customer carries the customer's own id prefix


def gap_tails(store: GraphStore, customer_ids: Sequence[str]) -> dict[str, GapTail]:
    found: dict[str, GapTail] = {}
    for chunk in _chunks(customer_ids):
        for row in store.read(_GAP_TAILS, {"ids": list(chunk)}, name="ingest-tails"):
            cid = row["cid"]
            tail = Tail(row["jid"], int(row["start_ts"]), int(row["size"]), Point(int(row["last_ts"]), row["last_id"]))
            clean = all(str(j).startswith(f"{cid}:") and not str(j).startswith(f"{cid}:s:") for j in row["ids"])
            found[cid] = GapTail(tail, clean)
    return found


def session_tails(store: GraphStore, journey_ids: Sequence[str]) -> dict[str, Tail]:
    found: dict[str, Tail] = {}
    for chunk in _chunks(journey_ids):
        for row in store.read(_SESSION_TAILS, {"ids": list(chunk)}, name="ingest-tails"):
            found[row["jid"]] = Tail(row["jid"], int(row["start_ts"]), int(row["size"]),
                                     Point(int(row["last_ts"]), row["last_id"]))
    return found


def histories(store: GraphStore, customer_ids: Sequence[str]) -> dict[str, list[Point]]:
    """Every interaction of these customers as linking points (with their current journey)."""
    found: dict[str, list[Point]] = {cid: [] for cid in customer_ids}
    for chunk in _chunks(customer_ids):
        for row in store.read(_HISTORY, {"ids": list(chunk)}, name="ingest-history"):
            found[row["cid"]].append(Point(int(row["ts"]), row["id"], row["sid"], row["jid"]))
    return found


# -- the event sink: plan one batch from what the graph holds, then write it -----------------------------------
@dataclass
class Applied:
    """What one batch changed."""

    ingested: int = 0
    duplicates: int = 0
    new_customers: int = 0
    journeys: int = 0  # journeys created minus journeys merged away
    merges: int = 0
    interactions: list[dict[str, Any]] = field(default_factory=list)  # summaries of the new interactions

    def add(self, other: Applied) -> None:
        self.ingested += other.ingested
        self.duplicates += other.duplicates
        self.new_customers += other.new_customers
        self.journeys += other.journeys
        self.merges += other.merges


class EventSink:
    """Applies batches of valid events: dedupe by event_id, resolve identities, link journeys, write.

    Every batch is planned from the graph as it is, so batches from a file, a re-run, or the stream all converge
    to the same graph; `apply()` is safe to repeat with the same events.
    """

    def __init__(self, store: GraphStore, identity_secret: bytes, journey_gap_ms: int,
                 clock: Callable[[], int] | None = None) -> None:
        self.store = store
        self.secret = identity_secret
        self.gap_ms = journey_gap_ms
        self.codes = CodeRegistry()
        self.clock = clock or (lambda: int(time.time() * 1000))

    def apply(self, events: Sequence[Event]) -> Applied:
        result = Applied()
        fresh: dict[str, Event] = {}
        for e in events:
            if e.event_id in fresh:
                result.duplicates += 1
            else:
                fresh[e.event_id] = e
        existing = existing_events(self.store, list(fresh))
        unlinked = {cid for jid, cid in existing.values() if jid is None}
        result.duplicates += len(existing)
        todo = sorted((e for eid, e in fresh.items() if eid not in existing), key=lambda e: (e.ts, e.event_id))
        if not todo and not unlinked:
            return result
        now = self.clock()

        owners, identities, merges, new_customers = self._resolve(todo)
        result.merges = len(merges)
        for loser, winner in merges:
            merge_customer(self.store, loser, winner, now)
        # survivors of a merge hold journeys of two customers, and an interaction without a journey can only be
        # left by a job killed between a merge and its batch: both get their whole history relinked
        relink_all = {winner for _, winner in merges} | unlinked

        plan = self._link(todo, owners, relink_all)
        self.codes.ensure(self.store, todo)
        placed = {iid: (jid, seq) for iid, jid, seq in plan.included}
        rows = []
        for e in todo:
            jid, seq = placed.pop(e.event_id)
            rows.append(interaction_row(e, owners[e.event_id], jid, seq))
        plan.included = [(iid, jid, seq) for iid, (jid, seq) in placed.items()]
        write = BatchWrite(sorted(new_customers), identities, rows, plan)
        write_batch(self.store, write, now)

        result.ingested = len(todo)
        result.new_customers = len(new_customers)
        result.journeys = plan.created - len(plan.dropped)
        result.interactions = [{"id": r["p"]["id"], "customer_id": r["p"]["customer_id"],
                                "touchpoint": r["p"]["touchpoint"], "type": r["p"]["type"], "ts": r["p"]["ts"],
                                "frictions": r["p"].get("frictions", [])} for r in rows]
        return result

    # -- identity resolution ----------------------------------------------------------------------------------
    def _resolve(self, events: Sequence[Event]
                 ) -> tuple[dict[str, str], list[dict[str, str]], list[tuple[str, str]], set[str]]:
        """Owner of every event, identities to attach, merges (loser, survivor) in order, and the customers the
        batch creates."""
        refs_of = {e.event_id: identity.refs(self.secret, e.identities) for e in events if e.identities}
        keys = sorted({r.key for rs in refs_of.values() for r in rs})
        owner_of_key = identity_owners(self.store, keys) if keys else {}
        declared = {e.customer_id for e in events if e.customer_id}
        known = known_customers(self.store, sorted(declared | set(owner_of_key.values())))
        graph = identity.IdentityGraph(owner=dict(owner_of_key))
        for cid, customer in known.items():
            graph.kinds[cid] = Counter(customer.identity_kinds)
            if customer.merged_into:
                graph.merged_into[cid] = customer.merged_into
        owners: dict[str, str] = {}
        attach: dict[str, identity.IdentityRef] = {}
        merges: list[tuple[str, str]] = []
        for e in events:
            refs = refs_of.get(e.event_id, [])
            if not refs:
                if e.customer_id is None:
                    raise InputError(f"event {e.event_id} has no customer_id and no usable identity "
                                     "(blocked or empty identifiers are ignored).")
                owners[e.event_id] = graph.current(e.customer_id)
                continue
            resolution = graph.resolve(e.customer_id, refs)
            owners[e.event_id] = resolution.customer_id
            merges += [(loser, resolution.customer_id) for loser in resolution.merged]
            for ref in resolution.attach:
                attach[ref.key] = ref
        final = {eid: graph.current(cid) for eid, cid in owners.items()}
        identities = [{"key": key, "kind": ref.kind, "hash": ref.hash, "customer_id": graph.current(graph.owner[key])}
                      for key, ref in sorted(attach.items())]
        created = (set(final.values()) | {loser for loser, _ in merges}) - set(known)
        return final, identities, merges, created

    # -- journey linking --------------------------------------------------------------------------------------
    def _link(self, events: Sequence[Event], owners: Mapping[str, str], relink_all: set[str]) -> LinkPlan:
        tracks: dict[tuple[str, str | None], list[Point]] = {}
        for e in events:
            tracks.setdefault((owners[e.event_id], e.session_id), []).append(Point(e.ts, e.event_id, e.session_id))
        gap_customers = sorted({cid for cid, sid in tracks if sid is None and cid not in relink_all})
        session_journeys = sorted({linking.journey_id(cid, sid, Point(0, "")) for cid, sid in tracks
                                   if sid is not None and cid not in relink_all})
        gaps = gap_tails(self.store, gap_customers) if gap_customers else {}
        sessions = session_tails(self.store, session_journeys) if session_journeys else {}
        fast: list[tuple[str, str | None, Tail | None, list[Point]]] = []
        for (cid, sid), points in tracks.items():
            if cid in relink_all:
                continue
            tail: Tail | None
            if sid is None:
                gap = gaps.get(cid)
                if gap is not None and not gap.clean:
                    relink_all.add(cid)
                    continue
                tail = gap.tail if gap else None
            else:
                tail = sessions.get(linking.journey_id(cid, sid, Point(0, "")))
            if tail is not None and min(points) < tail.last:
                relink_all.add(cid)
                continue
            fast.append((cid, sid, tail, points))
        plan = LinkPlan()
        for cid, sid, tail, points in fast:
            if cid not in relink_all:
                plan.add(linking.extend(cid, sid, tail, points, self.gap_ms)[0])
        if relink_all:
            history = histories(self.store, sorted(relink_all))
            for cid in sorted(relink_all):
                linked_by_track: dict[str | None, list[Point]] = {}
                for p in history.get(cid, []):
                    linked_by_track.setdefault(p.session_id, []).append(p)
                for sid in sorted(set(linked_by_track) | {s for c, s in tracks if c == cid}, key=lambda s: s or ""):
                    plan.add(linking.relink(cid, sid, linked_by_track.get(sid, []), tracks.get((cid, sid), []),
                                            self.gap_ms)[0])
        return plan
