"""The event sink: plans each batch of valid events from what the graph holds, then writes it in ONE query.

The batch query creates the new customers, identities, journey changes, the interactions with all their
relationships, INCLUDES and NEXT. A query is atomic on both engines, so a job killed between batches leaves the graph
exactly as after the previous batch, and the re-run converges. Only catalog codes (idempotent MERGE) and identity
merges (after which the survivor's journeys are relinked) are separate queries.

Speed comes from asking the graph little: customers and the newest journey of each track (its tail) are cached
between batches, and duplicates are caught by the unique constraint on Interaction.id instead of a lookup. The
cache is checked, not trusted: the batch query fails on purpose (and rolls back) when a cached journey or customer
is not what the plan assumed, and the batch is then planned again from fresh reads. Writers of one graph take
turns through a lock in the store's Redis, and a generation counter tells each writer when another one wrote.

A batch job pipelines (`apply_batches`): a writer thread writes batch k while batch k+1 is planned; what planning
k+1 must read (customers and track tails the caches lack) is read before write k starts, since a read waits behind
a write in flight, and a plan that needs what write k changes (identities, late events) waits for it.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Generic, TypeVar

from graph.errors import InputError, QueryError, StoreError
from graph.ontology import STAGES, Label, Rel
from graph.privacy import refresh_refused
from graph.settings import Settings
from graph.store import GraphStore
from ingest import identity, linking
from ingest.contracts import Event
from ingest.linking import LinkPlan, Point, Tail
from ingest.suppression import Screen

L, R = Label, Rel
K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")
CACHE_SIZE = 200_000  # customers and track tails remembered between batches (bounded: memory stays flat)
READ_CHUNK = 5000
LOCK_TTL_MS = 600_000
WAITING_TTL_MS = 1000  # a writer waiting for the lock says so, for this long (renewed while it waits)
_GUARD_FAILED = ("division by zero", "/ by zero")
_DUPLICATE = ("unique constraint violation", "already exists with label")

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

# Rows of the batch query are lists, not maps: the client serialises parameters as Cypher text, and keys cost.
# A group is one journey with the new interactions it gets ($new_groups create their journey, $old_groups update it):
#   [journey id, customer id, is new, size before, start_ts, end_ts, size, session_id, [event rows]]
# An event row: [event id, ts, type, index in $touchpoints, seq, id of the interaction it follows by NEXT (the one
#                before the group, in the graph, or the previous row) or null, channel, [optional properties] or null]
# The NEXT link looks that interaction up by id after the CREATE (which makes all its rows first): one index lookup
# per link, cheaper than collecting each group's rows to pair them; a link whose interaction is missing fails the
# batch like any stale cache.
_PLACES = f"""
UNWIND $touchpoints AS code
OPTIONAL MATCH (t:{L.TOUCHPOINT} {{code: code}})
WITH collect(t) AS places
WITH places, 1 / CASE WHEN size(places) = size($touchpoints)
                           AND all(k IN range(0, size(places) - 1) WHERE places[k].code = $touchpoints[k])
                      THEN 1 ELSE 0 END AS fresh
"""
# groups of new journeys: the journey is created here, with TOOK, and cannot exist (the unique constraint says so)
_NEW_JOURNEY_GROUPS = f"""
UNWIND $new_groups AS g
OPTIONAL MATCH (c:{L.CUSTOMER} {{id: g[1]}})
WITH places, g, c, 1 / CASE WHEN c IS NULL OR c.merged_into IS NOT NULL THEN 0 ELSE 1 END AS fresh
CREATE (c)-[:{R.TOOK}]->(j:{L.JOURNEY} {{id: g[0], customer_id: g[1], session_id: g[7], start_ts: g[4],
                                        end_ts: g[5], size: g[6]}})
"""
# groups of journeys the graph holds: checked against the size the plan assumed, then updated
_OLD_JOURNEY_GROUPS = f"""
UNWIND $old_groups AS g
OPTIONAL MATCH (c:{L.CUSTOMER} {{id: g[1]}})
OPTIONAL MATCH (j:{L.JOURNEY} {{id: g[0]}})
WITH places, g, c, j,
     1 / CASE WHEN c IS NULL OR c.merged_into IS NOT NULL OR j IS NULL OR j.size <> g[3] THEN 0 ELSE 1 END AS fresh
SET j.start_ts = g[4], j.end_ts = g[5], j.size = g[6]
"""
# then, for both: the group's interactions with PERFORMED, AT, INCLUDES, and NEXT inside the group
_GROUP_INTERACTIONS = f"""
WITH places, c, j, g[0] AS jid, g[1] AS cid, g[7] AS sid, g[8] AS rows
UNWIND rows AS e
WITH c, j, jid, cid, sid, e, places[e[3]] AS t, e[7] AS o
CREATE (c)-[:{R.PERFORMED}]->(i:{L.INTERACTION} {{
         id: e[0], ts: e[1], type: e[2], customer_id: cid, journey_id: jid, session_id: sid, channel: e[6],
         touchpoint: t.code, stage: coalesce(o[0], t.stage), outcome: o[1], experience: o[2], csat: o[3], ces: o[4],
         nps: o[5], sentiment: o[6], text: o[7], value: o[8], currency: o[9], trigger: o[10], competitor: o[11],
         product: o[12], frictions: o[13], attributes: o[14]}})-[:{R.AT}]->(t),
       (j)-[:{R.INCLUDES} {{seq: e[4]}}]->(i)
WITH i, e[5] AS follows WHERE follows IS NOT NULL
OPTIONAL MATCH (before:{L.INTERACTION} {{id: follows}})
WITH i, before, 1 / CASE WHEN before IS NULL THEN 0 ELSE 1 END AS fresh
CREATE (before)-[:{R.NEXT}]->(i)"""
_CREATE_INTERACTIONS = (_PLACES + _NEW_JOURNEY_GROUPS + _GROUP_INTERACTIONS + "\nWITH count(*) AS _"
                        + _PLACES + _OLD_JOURNEY_GROUPS + _GROUP_INTERACTIONS)
OPTIONAL_PROPERTIES = ("stage", "outcome", "experience", "csat", "ces", "nps", "sentiment", "text", "value",
                       "currency", "trigger", "competitor", "product")


# Identities ($identities: {customer_id, key, kind, hash}) linked to their customers; shared by the batch write and
# the customer-file upsert.
LINK_IDENTITIES = f"""UNWIND $identities AS idn
MATCH (c:{L.CUSTOMER} {{id: idn.customer_id}})
MERGE (x:{L.IDENTITY} {{key: idn.key}}) ON CREATE SET x.kind = idn.kind, x.hash = idn.hash
MERGE (x)-[:{R.IDENTIFIES}]->(c)"""

# -- the batch: one atomic query. `1 / CASE … ELSE 0 END` fails the whole query when the plan's assumptions about the
# graph (from the cache) no longer hold; nothing is written then, and the batch is planned again from fresh reads.
_WRITE_BATCH = f"""
UNWIND $customers AS cid
MERGE (c:{L.CUSTOMER} {{id: cid}}) ON CREATE SET c.created_ts = $now, c.updated_ts = $now
WITH count(*) AS _
{LINK_IDENTITIES}
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
UNWIND $new_journeys AS jr
OPTIONAL MATCH (c:{L.CUSTOMER} {{id: jr.customer_id}})
WITH c, jr, 1 / CASE WHEN c IS NULL THEN 0 ELSE 1 END AS fresh
CREATE (c)-[:{R.TOOK}]->(:{L.JOURNEY} {{id: jr.id, customer_id: jr.customer_id, session_id: jr.session_id,
                                       start_ts: jr.start_ts, end_ts: jr.end_ts, size: jr.size}})
WITH count(*) AS _
UNWIND $updated_journeys AS jr
OPTIONAL MATCH (j:{L.JOURNEY} {{id: jr.id}})
WITH j, jr, 1 / CASE WHEN j IS NULL OR j.size <> jr.expected_size THEN 0 ELSE 1 END AS fresh
SET j.start_ts = jr.start_ts, j.end_ts = jr.end_ts, j.size = jr.size
WITH count(*) AS _
{_CREATE_INTERACTIONS}
WITH count(*) AS _
UNWIND $extras AS x
MATCH (i:{L.INTERACTION} {{id: x.id}})
FOREACH (code IN coalesce(x.frictions, []) |
  MERGE (f:{L.FRICTION_POINT} {{code: code}}) CREATE (i)-[:{R.HIT}]->(f))
FOREACH (code IN CASE WHEN x.trigger IS NULL THEN [] ELSE [x.trigger] END |
  MERGE (g:{L.TRIGGER_EVENT} {{code: code}}) CREATE (i)-[:{R.TRIGGERED} {{experience: x.experience}}]->(g))
FOREACH (code IN CASE WHEN x.product IS NULL THEN [] ELSE [x.product] END |
  MERGE (p:{L.PRODUCT} {{code: code}}) CREATE (i)-[:{R.ABOUT}]->(p))
FOREACH (code IN CASE WHEN x.switched_to IS NULL THEN [] ELSE [x.switched_to] END |
  MERGE (k:{L.COMPETITOR} {{code: code}}) MERGE (c:{L.CUSTOMER} {{id: x.customer_id}})
  CREATE (c)-[:{R.SWITCHED_TO} {{ts: x.ts, event_id: x.id}}]->(k))
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
MERGE (l:{L.CUSTOMER} {{id: $loser}}) ON CREATE SET l.created_ts = $now
MERGE (s:{L.CUSTOMER} {{id: $survivor}}) ON CREATE SET s.created_ts = $now
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
WITH count(*) AS _
MATCH (l:{L.CUSTOMER} {{id: $loser}}) WHERE l.id STARTS WITH $anonymous DETACH DELETE l
RETURN count(*) AS n
"""

# -- reads ----------------------------------------------------------------------------------------------------
_NEW_OR_UNLINKED = f"""
UNWIND $ids AS id OPTIONAL MATCH (i:{L.INTERACTION} {{id: id}})
WITH id, i WHERE i IS NULL OR i.journey_id IS NULL
RETURN collect(CASE WHEN i IS NULL THEN id END) AS new, collect(i.customer_id) AS unlinked
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
_TRACKS = f"""
UNWIND $ids AS cid
MATCH (j:{L.JOURNEY} {{customer_id: cid}})
WITH cid, collect(j) AS js
WITH cid, js, [x IN js WHERE x.session_id IS NULL] AS gaps
WITH cid, js, gaps, reduce(m = -1, x IN gaps | CASE WHEN x.end_ts > m THEN x.end_ts ELSE m END) AS last_end
RETURN cid, all(x IN js WHERE x.id STARTS WITH (cid + ':')) AS clean,
       [x IN gaps WHERE x.end_ts = last_end | x.id][0] AS gap_jid
"""
_JOURNEY_TAILS = f"""
UNWIND $ids AS jid
MATCH (j:{L.JOURNEY} {{id: jid}})-[r:{R.INCLUDES}]->(last:{L.INTERACTION}) WHERE r.seq = j.size
RETURN jid, j.start_ts AS start_ts, j.size AS size, last.id AS last_id, last.ts AS last_ts
"""
_RECENT_JOURNEYS = f"""
UNWIND $rows AS r
MATCH (i:{L.INTERACTION} {{customer_id: r.cid}}) WHERE i.ts >= r.from_ts AND i.session_id IS NULL
RETURN DISTINCT r.cid AS cid, i.journey_id AS jid, CASE WHEN i.journey_id IS NULL THEN i.id END AS loose_id,
       CASE WHEN i.journey_id IS NULL THEN i.ts END AS loose_ts
"""
_JOURNEY_MEMBERS = f"""
UNWIND $ids AS jid MATCH (:{L.JOURNEY} {{id: jid}})-[:{R.INCLUDES}]->(i:{L.INTERACTION})
RETURN jid, i.id AS id, i.ts AS ts, i.session_id AS sid
"""
_HISTORY = f"""
UNWIND $ids AS cid MATCH (i:{L.INTERACTION} {{customer_id: cid}})
RETURN cid, i.id AS id, i.ts AS ts, i.session_id AS sid, i.journey_id AS jid
"""


class CypherLiteral:
    """A parameter value (lists, strings, numbers, booleans, null, maps) already written as Cypher literal text.

    The falkordb client writes parameters as Cypher text in pure Python (about 0.5 µs a value, the largest Python
    cost of a batch); `json.dumps` does it in C. JSON reads the same in Cypher except map keys (quoted in JSON,
    back-ticked here) and `\\uXXXX` escapes (FalkorDB keeps them verbatim): text holding one falls back to the
    client's own writer. The client sends any value that is not a str, list, dict or None as `str(value)`.
    """

    __slots__ = ("text",)

    def __init__(self, value: Any) -> None:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        if "\\u" in text:  # a control character in some string (rare): the client's writer keeps it as it is
            from falkordb.helpers import stringify_param_value

            text = stringify_param_value(value)
        elif "{" in text:
            for quoted, ticked in _KNOWN_KEYS:  # str.replace runs in C; the pattern is general but slower
                text = text.replace(quoted, ticked)
            if _JSON_KEY.search(text):
                text = _JSON_KEY.sub(r"\1`\2`:", text)
        self.text = text

    def __str__(self) -> str:
        return self.text


# a map key in JSON text: inside a JSON string a quote is always escaped, so `{"` or `,"` there cannot be one
_JSON_KEY = re.compile(r'([{,])"([A-Za-z_][A-Za-z0-9_]*)":')
_ARRIVAL_ORDER = attrgetter("ts", "event_id")
# the map keys the batch query's parameters use; `"name":` can only be a key in JSON (a quote inside a string is
# escaped), so a plain replace is safe
_KNOWN_KEYS = [(f'"{k}":', f"`{k}`:") for k in (
    "stage", "outcome", "experience", "csat", "ces", "nps", "sentiment", "text", "value", "currency", "trigger",
    "competitor", "product", "frictions", "attributes", "id", "key", "kind", "hash", "customer_id", "session_id",
    "start_ts", "end_ts", "size", "expected_size", "switched_to", "ts")]


@dataclass
class _Planned:
    """A planned batch: the batch query's parameters (None: nothing to write) and what it changes."""

    params: dict[str, Any] | None
    applied: Applied


class _WriteFailed(Exception):
    """The write in flight failed its check: a plan made beside it is void."""


def _nothing() -> None:
    pass


class StaleCache(StoreError):
    """The graph changed under the cached state a batch was planned from; plan again from fresh reads."""


class Duplicates(StoreError):
    """A batch held events already in the graph; plan again, reading which ones."""


class LRU(Generic[K, V]):
    """A bounded mapping that forgets the least recently used entries."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> tuple[bool, V | None]:
        try:
            value = self._items[key]
        except KeyError:
            return False, None
        self._items.move_to_end(key)
        return True, value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


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


class WriterLock:
    """Writers of one graph (batch jobs, stream workers) take turns, through a lock in the store's Redis.

    `hold()` (one batch) and `take()`/`give_back()` (a turn of several batches, see `EventSink.apply_batches`) say
    whether another writer wrote since this one last did (so cached state must be dropped). A writer waiting for
    the lock says so (`wanted()`), so a long batch job hands it over between batches. A lock left by a process that
    died is taken over at once when it ran on this host, else after LOCK_TTL_MS.
    """

    def __init__(self, client: Any | None, graph_name: str) -> None:
        self.client = client
        self.lock_key = f"dtc:ingest:lock:{graph_name}"
        self.waiting_key = f"dtc:ingest:waiting:{graph_name}"
        self.generation_key = f"dtc:ingest:generation:{graph_name}"
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.seen: int | None = None

    @contextmanager
    def hold(self) -> Iterator[bool]:
        others_wrote = self.take()
        try:
            yield others_wrote
        finally:
            self.give_back()

    def take(self) -> bool:
        """Wait for the lock; True when another writer wrote since this one last held it."""
        if self.client is None:
            return False
        self._acquire()
        generation = int(self.client.get(self.generation_key) or 0)
        return self.seen is None or generation != self.seen

    def give_back(self) -> None:
        if self.client is None:
            return
        try:
            self.seen = int(self.client.incr(self.generation_key))
        finally:
            self._release()

    def wanted(self) -> bool:
        """Whether another writer is waiting for the lock."""
        if self.client is None:
            return False
        waiting = self.client.get(self.waiting_key)
        return waiting is not None and _text(waiting) != self.token

    def keep(self) -> None:
        """Renew the lock's time to live during a long turn."""
        if self.client is not None:
            self.client.pexpire(self.lock_key, LOCK_TTL_MS)

    def pass_on(self) -> bool:
        """Give the lock to the writer waiting for it and take it back after its turn; True when it wrote."""
        self.give_back()
        deadline = time.monotonic() + 0.2
        while self.client is not None and time.monotonic() < deadline and self.client.get(self.lock_key) is None:
            time.sleep(0.005)  # let the waiting writer in before asking again
        return self.take()

    def _acquire(self) -> None:
        assert self.client is not None
        while not self.client.set(self.lock_key, self.token, nx=True, px=LOCK_TTL_MS):
            self.client.set(self.waiting_key, self.token, px=WAITING_TTL_MS)
            holder = self.client.get(self.lock_key)
            if holder is not None and _dead_here(_text(holder)):
                self.client.delete(self.lock_key)  # its owner died on this host: nothing is in flight
                continue
            time.sleep(0.01)
        waiting = self.client.get(self.waiting_key)
        if waiting is not None and _text(waiting) == self.token:
            self.client.delete(self.waiting_key)

    def _release(self) -> None:
        assert self.client is not None
        holder = self.client.get(self.lock_key)
        if holder is not None and _text(holder) == self.token:
            self.client.delete(self.lock_key)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def writer_lock(store: GraphStore, settings: Settings) -> WriterLock:
    """The lock writers of this graph share: in the store's own Redis (embedded FalkorDB), else DTC_REDIS_URL."""
    url = store.redis_url() or settings.redis_url
    if url is None:
        return WriterLock(None, settings.graph_name)
    import redis

    return WriterLock(redis.Redis.from_url(url), settings.graph_name)


def sink_for(store: GraphStore, settings: Settings, journey_gap_days: float | None = None) -> EventSink:
    """The event sink every writer of this graph should use: identity key, journey gap and the shared lock."""
    from ingest.identity import identity_key

    gap_days = journey_gap_days if journey_gap_days is not None else settings.journey_gap_days
    return EventSink(store, identity_key(settings), int(gap_days * 86_400_000), lock=writer_lock(store, settings),
                     screen=Screen(store, settings))


def _dead_here(token: str) -> bool:
    host, _, rest = token.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class EventSink:
    """Applies batches of valid events: dedupe by event_id, resolve identities, link journeys, write.

    Every batch is planned from the graph as it is (or a checked cache of it), so batches from a file, a re-run or
    the stream all converge to the same graph; `apply()` is safe to repeat with the same events.
    """

    def __init__(self, store: GraphStore, identity_secret: bytes, journey_gap_ms: int, *,
                 lock: WriterLock | None = None, clock: Callable[[], int] | None = None,
                 screen: Screen | None = None) -> None:
        self.store = store
        self.screen = screen  # the suppression list check every event written passes (None: no check)
        self.secret = identity_secret
        self.gap_ms = journey_gap_ms
        self.lock = lock or WriterLock(None, "")
        self.clock = clock or (lambda: int(time.time() * 1000))
        self.codes: dict[str, set[str]] = {}
        self.customers: LRU[str, str | None] = LRU(CACHE_SIZE)  # existing customer -> merged_into
        self.tails: LRU[tuple[str, str | None], Tail | None] = LRU(CACHE_SIZE)  # None: the track has no journey
        # called before a read that may depend on a write still in flight (see apply_batches)
        self._settle: Callable[[], None] = _nothing
        self._absent: set[str] = set()  # customers a warm-up read found missing (valid for the next plan only)

    def forget(self) -> None:
        """Drop every cached fact about the graph."""
        self.codes.clear()
        self.customers.clear()
        self.tails.clear()
        self._absent.clear()
        if self.screen is not None:
            self.screen.forget()

    def apply(self, events: Sequence[Event]) -> Applied:
        """Apply one batch (with summaries of the new interactions, for live subscribers)."""
        with self.lock.hold() as others_wrote:
            if others_wrote:
                self.forget()
            return self._commit(self._plan_now(events, summaries=True))

    def apply_batches(self, batches: Iterable[tuple[T, Sequence[Event]]]) -> Iterator[tuple[T, Applied]]:
        """Apply batches in order, yielding each with what it changed once its write committed.

        Pipelined: batch k+1 is planned while a writer thread writes batch k. The caches make most plans
        independent of the write in flight; a plan that must read what that write changes (identities, late
        events, careful re-plans) first waits for it (`_settle`). When write k fails its check (stale cache or
        duplicates), the plan of k+1 is dropped, k is applied again carefully, and k+1 is planned afresh. The lock is
        held across batches and handed over between two batches when another writer waits.
        """
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer") as writer:
            if self.lock.take():
                self.forget()
            try:
                inflight: tuple[T, Sequence[Event], Future[Applied]] | None = None
                upcoming = iter(batches)
                following = next(upcoming, None)
                while following is not None:
                    tag, events = following
                    planned: _Planned | None = None
                    if inflight is not None and events and not self.lock.wanted():
                        planned = self._plan_beside(events, inflight[2])
                    if inflight is not None:
                        applied, retried = self._finish(inflight[1], inflight[2])
                        if retried:
                            planned = None  # planned from caches the failed write invalidated
                        yield inflight[0], applied
                        inflight = None
                    self.lock.keep()
                    if self.lock.wanted():
                        planned = None
                        if self.lock.pass_on():
                            self.forget()
                    if planned is None:
                        planned = self._plan_now(events, summaries=False)
                    following = next(upcoming, None)
                    if planned.params is None:
                        yield tag, planned.applied
                        continue
                    if following is not None:  # the store is idle now: read what planning the next batch needs
                        self._warm(following[1])
                    inflight = (tag, events, writer.submit(self._commit, planned))
                if inflight is not None:
                    yield inflight[0], self._finish(inflight[1], inflight[2])[0]
            finally:
                self.lock.give_back()

    def _warm(self, events: Sequence[Event]) -> None:
        """Read the customers and track tails the next batch needs that the caches lack, before the write of this
        batch starts: a read waits for a write in flight, so done later it would stall the pipeline. Only events
        with a customer_id and no identities (the others are planned after the write anyway). The write about to
        start cannot change these answers: the customers and tracks it touches are all in the caches already."""
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

    def _plan_beside(self, events: Sequence[Event], write: Future[Applied]) -> _Planned | None:
        """Plan `events` while `write` runs; None when that is not possible (the write failed, or the plan met a
        duplicate): the caller plans again once the write is done."""

        def settle() -> None:
            if write.exception() is not None:
                raise _WriteFailed()

        self._settle = settle
        try:
            return self._plan(events, careful=False, summaries=False)
        except (StaleCache, Duplicates, _WriteFailed):
            return None
        finally:
            self._settle = _nothing

    def _finish(self, events: Sequence[Event], write: Future[Applied]) -> tuple[Applied, bool]:
        """What the write in flight changed, once committed; (applied, True) when it failed its check and the batch
        was applied again carefully."""
        try:
            return write.result(), False
        except (StaleCache, Duplicates):
            self.forget()
            return self._commit(self._plan(events, careful=True, summaries=False)), True

    def _plan_now(self, events: Sequence[Event], summaries: bool) -> _Planned:
        """Plan with nothing in flight: from the caches, else (when the plan met a duplicate) carefully."""
        try:
            return self._plan(events, careful=False, summaries=summaries)
        except (StaleCache, Duplicates):
            self.forget()
            return self._plan(events, careful=True, summaries=summaries)

    def _commit(self, planned: _Planned) -> Applied:
        """Write a planned batch; StaleCache or Duplicates when its check fails (nothing written then)."""
        if planned.params is not None:
            try:
                self.store.write(_WRITE_BATCH, planned.params, name="ingest-batch")
            except QueryError as e:
                text = str(e).lower()
                if any(m in text for m in _GUARD_FAILED):
                    raise StaleCache("The graph changed under the cached plan of this batch.") from e
                if any(m in text for m in _DUPLICATE):
                    raise Duplicates("The batch holds events already in the graph.") from e
                raise
        return planned.applied

    def relink(self, customer_ids: Iterable[str]) -> Applied:
        """Recompute these customers' journeys from their whole history: after an identity merge made outside the
        sink (a customer file), a survivor holds the journeys of two customers until then."""
        with self.lock.hold():
            self.forget()  # the merge changed customers and journeys the caches may hold
            return self._commit(self._plan([], careful=True, summaries=False, relink=set(customer_ids)))

    def _plan(self, events: Sequence[Event], careful: bool, summaries: bool,
              relink: set[str] | None = None) -> _Planned:
        result = Applied()
        if self.screen is not None:  # the one check every event write passes, whichever way it came in
            events, result.suppressed = self.screen.screen(events, lock_held=True)
            if result.suppressed:  # tying ids to an erased person may have erased what the caches describe
                self.forget()
        fresh: dict[str, Event] = {}
        for e in events:
            if e.event_id in fresh:
                result.duplicates += 1
            else:
                fresh[e.event_id] = e
        unlinked: set[str] = set()
        if careful:  # which events are new (and which customers hold an interaction without a journey)
            self._settle()
            new_ids, unlinked = new_or_unlinked(self.store, list(fresh))
            result.duplicates += len(fresh) - len(new_ids)
            fresh = {eid: e for eid, e in fresh.items() if eid in new_ids}
        todo = sorted(fresh.values(), key=_ARRIVAL_ORDER)
        if not todo and not unlinked and not relink:
            return _Planned(None, result)
        now = self.clock()

        owners, identities, merges, created = self._resolve(todo)
        for loser, winner in merges:
            merge_customer(self.store, loser, winner, now)
            for key in [loser, winner]:
                self.customers.put(key, winner if key == loser else None)
        # survivors of a merge hold journeys of two customers, and an interaction without a journey can only be
        # left by a job killed between a merge and its batch: both get their whole history relinked
        relink_all = {winner for _, winner in merges} | unlinked | (relink or set())
        plan = self._link(todo, owners, relink_all)
        self._ensure_codes(todo)

        placed = {iid: (jid, seq) for iid, jid, seq in plan.included}
        if not careful and any(e.event_id not in placed for e in todo):
            raise Duplicates("The batch holds events that a journey in the graph already includes.")
        groups, touchpoints = self._groups(todo, owners, placed, plan)
        extras = [x for x in (extras_row(e, owners[e.event_id]) for e in todo
                              if e.friction or e.trigger or e.product or e.competitor) if x is not None]
        plan.included = [(iid, jid, seq) for iid, (jid, seq) in placed.items() if iid not in fresh]
        params = self._params(created, identities, groups, touchpoints, extras, plan, now)

        for cid in created:  # the write in flight creates them: later plans may count on them
            self.customers.put(cid, None)
        result.ingested = len(todo)
        result.new_customers = len(created)
        result.merges = len(merges)
        result.journeys = len(plan.created) - len(plan.dropped)
        if summaries:
            result.interactions = [{"id": e.event_id, "customer_id": owners[e.event_id], "touchpoint": e.touchpoint,
                                    "type": e.type, "ts": e.ts, "frictions": list(e.friction)} for e in todo]
        return _Planned(params, result)

    def _groups(self, events: Sequence[Event], owners: Mapping[str, str], placed: Mapping[str, tuple[str, int]],
                plan: LinkPlan) -> tuple[list[list[Any]], list[str]]:
        """The new interactions grouped by journey, as rows of the batch query (see _CREATE_INTERACTIONS), and
        the touchpoints they refer to. NEXT links the query cannot make inside a group stay in plan.next_added."""
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
        if self.store.engine == "falkordb":
            params = {name: CypherLiteral(value) if isinstance(value, list) else value
                      for name, value in params.items()}
        return params

    # -- identity resolution ----------------------------------------------------------------------------------
    def _resolve(self, events: Sequence[Event]
                 ) -> tuple[dict[str, str], list[dict[str, str]], list[tuple[str, str]], set[str]]:
        """Owner of every event, identities to attach, merges (loser, survivor) in order, and the customers the
        batch creates."""
        refs_of = {e.event_id: identity.refs(self.secret, e.identities) for e in events if e.identities}
        if refs_of:  # identity owners and counts may be changing in the write in flight
            self._settle()
        keys = sorted({r.key for rs in refs_of.values() for r in rs})
        owner_of_key = identity_owners(self.store, keys) if keys else {}
        graph = identity.IdentityGraph(owner=dict(owner_of_key))
        declared = {e.customer_id for e in events if e.customer_id}
        involved = declared | set(owner_of_key.values())
        known: set[str] = set()
        # identity events need each customer's identity counts (guardrails): always read those customers
        to_read = set(owner_of_key.values()) | {e.customer_id for e in events if e.customer_id and e.identities}
        for cid in involved - to_read:
            cached, merged_into = self.customers.get(cid)
            if cached:
                known.add(cid)
                if merged_into:
                    graph.merged_into[cid] = merged_into
            elif cid not in self._absent:
                to_read.add(cid)
        for cid, customer in known_customers(self.store, sorted(to_read)).items():
            known.add(cid)
            self.customers.put(cid, customer.merged_into)
            graph.kinds[cid] = Counter(customer.identity_kinds)
            if customer.merged_into:
                graph.merged_into[cid] = customer.merged_into
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
    def _link(self, events: Sequence[Event], owners: Mapping[str, str], relink_all: set[str]) -> LinkPlan:
        """The journey changes for `events` (sorted by ts, event_id, so each track's points are in order)."""
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
            self._settle()
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
        return plan

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
        for chunk in _chunks(rows):
            for row in self.store.read(_RECENT_JOURNEYS, {"rows": list(chunk)}, name="ingest-recent"):
                if row["jid"] is not None:
                    journey_ids[row["jid"]] = (row["cid"], None)
                elif row["loose_id"] is not None:
                    loose.setdefault((row["cid"], None), []).append(Point(int(row["loose_ts"]), row["loose_id"]))
        for cid, sid in late:
            if sid is not None:
                journey_ids[linking.journey_id(cid, sid, Point(0, ""))] = (cid, sid)
        linked: dict[tuple[str, str | None], list[Point]] = {key: list(loose.get(key, [])) for key in late}
        for chunk in _chunks(sorted(journey_ids)):
            for row in self.store.read(_JOURNEY_MEMBERS, {"ids": list(chunk)}, name="ingest-recent"):
                key = journey_ids[row["jid"]]
                linked[key].append(Point(int(row["ts"]), row["id"], row["sid"], row["jid"]))
        return {key: (linked[key], tracks[key]) for key in late}

    def _ensure_codes(self, events: Iterable[Event]) -> None:
        """Create the channels, touchpoints, frictions, … the events use and the graph lacks (auto = true)."""
        wanted: dict[str, dict[str, Any]] = {k: {} for k in
                                             ("channels", "touchpoints", "frictions", "triggers", "competitors",
                                              "products")}

        def want(kind: str, code: str, row: Any) -> None:
            if code not in self.codes.get(kind, ()) and code not in wanted[kind]:
                wanted[kind][code] = row

        for e in events:
            want("channels", e.channel, e.channel)
            want("touchpoints", e.touchpoint, {"code": e.touchpoint, "channel": e.channel, "stage": e.stage})
            for f in e.friction:
                want("frictions", f, {"code": f, "touchpoint": e.touchpoint})
            if e.trigger:
                want("triggers", e.trigger, e.trigger)
            if e.competitor:
                want("competitors", e.competitor, e.competitor)
            if e.product:
                want("products", e.product, e.product)
        if not any(wanted.values()):
            return
        params: dict[str, Any] = {k: [v[c] for c in sorted(v)] for k, v in wanted.items()}
        params["stages"] = [{"name": s, "order": n} for n, s in enumerate(STAGES, start=1)]
        self.store.write(_ENSURE_CODES, params, name="ingest-codes")
        for kind, codes in wanted.items():
            self.codes.setdefault(kind, set()).update(codes)


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


def merge_customer(store: GraphStore, loser: str, survivor: str, now: int) -> None:
    """Move everything of `loser` to `survivor`. A declared loser stays as a redirect stub (`merged_into`) for events
    that still name it; an anonymous one (`anon-…`) goes: its id only stood for identities that now point at the
    survivor, and whether it ever existed would depend on the order the events came in."""
    store.write(_MERGE_CUSTOMER, {"loser": loser, "survivor": survivor, "now": now,
                                  "anonymous": identity.ANONYMOUS_PREFIX}, name="ingest-merge")
    refresh_refused(store, [survivor])  # the loser's consent history is the survivor's now


# -- reads used to plan a batch -------------------------------------------------------------------------------
def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), READ_CHUNK):
        yield items[start:start + READ_CHUNK]


def new_or_unlinked(store: GraphStore, ids: Sequence[str]) -> tuple[set[str], set[str]]:
    """(ids not in the graph yet, customers holding one of the others without a journey)."""
    new: set[str] = set()
    unlinked: set[str] = set()
    for chunk in _chunks(ids):
        for row in store.read(_NEW_OR_UNLINKED, {"ids": list(chunk)}, name="ingest-existing"):
            new.update(x for x in row["new"] if x is not None)
            unlinked.update(x for x in row["unlinked"] if x is not None)
    return new, unlinked


def event_exists(store: GraphStore, event_id: str) -> bool:
    new, _ = new_or_unlinked(store, [event_id])
    return not new


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


def customer_journeys(store: GraphStore, customer_ids: Sequence[str]) -> dict[str, tuple[bool, str | None]]:
    """customer -> (whether all its journeys carry its own id, its newest session-less journey) for the customers
    that have journeys."""
    found: dict[str, tuple[bool, str | None]] = {}
    for chunk in _chunks(customer_ids):
        for row in store.read(_TRACKS, {"ids": list(chunk)}, name="ingest-tails"):
            found[row["cid"]] = (bool(row["clean"]), row["gap_jid"])
    return found


def journey_tails(store: GraphStore, journey_ids: Sequence[str]) -> dict[str, Tail]:
    found: dict[str, Tail] = {}
    for chunk in _chunks(journey_ids):
        for row in store.read(_JOURNEY_TAILS, {"ids": list(chunk)}, name="ingest-tails"):
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
