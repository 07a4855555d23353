"""`dtc verify`: the whole live state recomputed from the interactions by scan queries, compared with what is stored.

The recomputation shares no code with the fold (`graph/live_state/fold.py`): per chunk of customers, the scan queries
`cypher/internal/verify-*.cypher` (and the analysts' `relationship-stage`) aggregate from Interaction, SHOWS and
Journey as the questions' named queries do, and the sums below add the chunks up. Every difference is reported:
which counter (label and key) or customer, which value, stored and recomputed. The definitions are
docs/graph-model.md "Live state"; the identifying properties of each counter label are restated here on purpose.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graph.store import GraphStore, batched

CHUNK = 500
_IDENTIFYING: dict[str, tuple[str, ...]] = {
    "PersonaStat": ("persona",), "FrictionStat": ("persona", "friction"),
    "CompetitorStat": ("persona", "friction", "competitor"), "MapStat": ("persona", "stage", "touchpoint"),
    "MapFrictionStat": ("persona", "stage", "touchpoint", "friction"), "ChannelStat": ("channel",),
    "PathScopeStat": ("scope",), "PathStat": ("scope", "steps"),
    "TransitionStat": ("scope", "from_touchpoint", "to_touchpoint"),
    "GapBucket": ("scope", "from_touchpoint", "to_touchpoint", "bucket"),
}
_NOT_COUNTED = {"key", "persona", "gap_counts", "gap_groups", "gaps", "tier"}  # compared apart, or identifying
GAP_GROUP = 16  # gap buckets per TransitionStat.gap_groups entry
TIERS = (1000, 100, 10)  # PathStat.tier: the highest of these the journeys reach
WINDOW_MS = 90 * 86_400_000


@dataclass(frozen=True)
class Difference:
    """One value the stored state holds that the recomputation does not (or the other way round)."""

    kind: str  # a counter label, or 'Customer', 'ACTIVE_AS', 'EXPOSED_TO', 'Journey', 'Timeline', 'StateRepair'
    key: str  # the counter's key, or the customer / journey id
    field: str
    stored: Any
    recomputed: Any

    def __str__(self) -> str:
        return f"{self.kind} {self.key} {self.field}: stored {self.stored!r}, recomputed {self.recomputed!r}"


Identity = tuple[Any, ...]


class _Recount:
    """The counters and facts as the scan queries say they should be, chunk by chunk."""

    def __init__(self) -> None:
        self.counters: dict[str, dict[Identity, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
        self.floats: dict[str, dict[Identity, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
        self.gaps: dict[Identity, list[int]] = defaultdict(list)

    def count(self, label: str, identity: Identity, **amounts: float) -> None:
        for name, amount in amounts.items():
            if isinstance(amount, float) or name.endswith("_sum"):
                held = self.floats[label][identity]
                held[name] = held.get(name, 0.0) + float(amount or 0)
                self.counters[label][identity]  # noqa: B018 - the counter exists even when its sums are 0
            else:
                self.counters[label][identity][name] += int(amount)


def verify(store: GraphStore) -> list[Difference]:
    """Every difference between the stored live state and its recomputation (empty: the state is exact)."""
    differences: list[Difference] = []
    pending = store.run("live-repairs-pending")
    differences += [Difference("StateRepair", str(r["id"]), "unfinished", "present", "absent") for r in pending]
    orphans = int(store.run("verify-timeline-orphans")[0]["n"])
    if orphans:
        differences.append(Difference("Timeline", "(no customer)", "node", f"{orphans} nodes", "none"))
    recount = _Recount()
    ids = [str(r["id"]) for r in store.run("live-customer-ids")]
    for chunk in batched(ids, CHUNK):
        differences += _chunk(store, chunk, recount)
    differences += _compare_counters(store, recount)
    return differences


def _chunk(store: GraphStore, ids: list[str], recount: _Recount) -> list[Difference]:
    params = {"ids": ids}
    customers = {r["customer"]: r for r in store.run("verify-customers", params)}
    counts = {cid: not r["refused"] for cid, r in customers.items()}
    switchers = {cid for cid, r in customers.items() if r["switches"] > 0}
    active = {(r["customer"], r["persona"]): (r["first"][0], r["first"][1])
              for r in store.run("verify-active", params)}
    for (cid, persona), _ in active.items():
        if counts[cid]:
            recount.count("PersonaStat", (persona,), customers=1, switchers=int(cid in switchers))
    exposures: dict[tuple[str, str, str], tuple[Any, ...]] = {}
    for r in store.run("verify-exposures", params):
        first, switch = r["first"], r["switch"]
        exposures[(r["customer"], r["persona"], r["friction"])] = (
            first[0], first[1], *(switch if switch is not None else (None, None, None)))
        if counts[r["customer"]]:
            recount.count("FrictionStat", (r["persona"], r["friction"]), exposed=1, switched=int(switch is not None),
                          exposed_switchers=int(r["customer"] in switchers))
            if switch is not None and switch[2] is not None:
                recount.count("CompetitorStat", (r["persona"], r["friction"], switch[2]), customers=1)
    for r in store.run("verify-map", params):
        recount.count("MapStat", (r["persona"], r["stage"], r["touchpoint"]), interactions=r["interactions"],
                      customers=r["customers"], journeys=r["journeys"], drops=r["drops"],
                      csat_sum=float(r["csat_sum"] or 0), csat_count=r["csat_count"],
                      ces_sum=float(r["ces_sum"] or 0), ces_count=r["ces_count"], negatives=r["negatives"])
    for r in store.run("verify-map-frictions", params):
        recount.count("MapFrictionStat", (r["persona"], r["stage"], r["touchpoint"], r["friction"]), hits=r["hits"])
    for r in store.run("verify-channels", params):
        recount.count("ChannelStat", (r["channel"],), **{k: v for k, v in r.items() if k != "channel"})
    journey_stages = _paths(store.run("verify-journeys", params), recount)
    stages = {r["customer"]: (r["stage"], r["reason"])
              for r in store.run("relationship-stage", {"ids": ids, "limit": len(ids)})}
    return (_compare_facts(store, ids, customers, stages, active, exposures) + journey_stages
            + _compare_timelines(store.run("verify-timelines", params)))


_MATCHED = ("touchpoint", "type", "stage", "channel", "outcome")  # a step matcher's keys, by their place in the rows


def _compare_timelines(rows: Iterable[Mapping[str, Any]]) -> list[Difference]:
    """Each customer's Timeline against its interactions (docs/graph-model.md "Facts": positions in (ts, event_id)
    order, per key=value and friction=code the positions holding it, `%` and the backtick written %25 and %60)."""
    differences: list[Difference] = []
    for row in rows:
        cid, timelines = str(row["customer"]), list(row["timelines"])
        events = sorted(row["events"], key=lambda x: (x[0], x[1]))
        want: dict[str, list[Any]] = {}
        if events:
            want = {"ts": [x[0] for x in events], "channels": [x[5] or "" for x in events],
                    "frictions": sorted({f for x in events for f in x[7]})}
            for position, x in enumerate(events):
                named = [(key, value) for key, value in zip(_MATCHED, x[2:7], strict=True) if value is not None]
                for key, value in named + [("friction", f) for f in sorted(set(x[7]))]:
                    name = f"{key}={str(value).replace('%', '%25').replace('`', '%60')}"
                    want.setdefault(name, []).append(position)
        if len(timelines) > 1:
            differences.append(Difference("Timeline", cid, "node", f"{len(timelines)} nodes", "one"))
        have = {name: list(v) for name, v in timelines[0].items()} if timelines else {}
        if events and not timelines:
            differences.append(Difference("Timeline", cid, "node", "absent", "present"))
        elif timelines and not events:
            differences.append(Difference("Timeline", cid, "node", "present", "absent"))
        else:
            for name in sorted(set(have) | set(want)):
                if have.get(name) != want.get(name):
                    differences.append(Difference("Timeline", cid, name, have.get(name), want.get(name)))
    return differences


def _paths(rows: Iterable[Mapping[str, Any]], recount: _Recount) -> list[Difference]:
    differences: list[Difference] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for r in rows:
        steps = sorted(r["steps"], key=lambda s: s[0])
        latest = max(steps, key=lambda s: (s[2], s[3]))
        if r["stage"] != latest[4]:
            differences.append(Difference("Journey", r["journey"], "stage", r["stage"], latest[4]))
        if not r["counted"]:
            continue
        labels = tuple(s[1] for s in steps)
        for scope in ["all", *(f"persona:{p}" for p in sorted(set(r["personas"]) - {None}))]:
            recount.count("PathScopeStat", (scope,), journeys=1)
            first_of_customer = (r["customer"], (scope, *labels)) not in seen
            seen.add((r["customer"], (scope, *labels)))
            recount.count("PathStat", (scope, labels), journeys=1, customers=int(first_of_customer))
            for a, b in zip(steps, steps[1:], strict=False):
                recount.count("TransitionStat", (scope, a[1], b[1]), occurrences=1)
                recount.gaps[(scope, a[1], b[1])].append(int(b[2]) - int(a[2]))
    return differences


def _compare_facts(store: GraphStore, ids: Sequence[str], customers: Mapping[str, Mapping[str, Any]],
                   stages: Mapping[str, tuple[str, str]], active: Mapping[tuple[str, str], tuple[int, str]],
                   exposures: Mapping[tuple[str, str, str], tuple[Any, ...]]) -> list[Difference]:
    differences: list[Difference] = []
    for row in store.run("live-facts", {"ids": list(ids)}):
        cid = row["customer"]
        expected = stages.get(cid, (None, None)) if customers[cid]["interactions"] else (None, None)
        for name, stored, want in (("stage", row["stage"], expected[0]), ("stage_reason", row["stageReason"],
                                                                           expected[1])):
            if stored != want:
                differences.append(Difference("Customer", cid, name, stored, want))
        trigger = customers[cid]["latestTrigger"]
        stored_trigger = row["latestTrigger"] if row["latestTrigger"][0] is not None else None
        if (list(stored_trigger) if stored_trigger else None) != (list(trigger) if trigger else None):
            differences.append(Difference("Customer", cid, "latest_trigger", stored_trigger, trigger))
        stored_active = {a[0]: (a[1], a[2]) for a in row["active"]}
        want_active = {p: first for (c, p), first in active.items() if c == cid}
        for persona in sorted(set(stored_active) | set(want_active)):
            if stored_active.get(persona) != want_active.get(persona):
                differences.append(Difference("ACTIVE_AS", cid, persona, stored_active.get(persona),
                                              want_active.get(persona)))
        stored_exposed = {(x[0], x[1]): tuple(x[2:]) for x in row["exposures"]}
        want_exposed = {(p, f): x for (c, p, f), x in exposures.items() if c == cid}
        for key in sorted(set(stored_exposed) | set(want_exposed)):
            if stored_exposed.get(key) != want_exposed.get(key):
                differences.append(Difference("EXPOSED_TO", cid, f"{key[0]} {key[1]}", stored_exposed.get(key),
                                              want_exposed.get(key)))
    return differences


def _compare_counters(store: GraphStore, recount: _Recount) -> list[Difference]:
    differences: list[Difference] = []
    stored_buckets: dict[Identity, dict[int, list[int]]] = defaultdict(dict)
    histograms: dict[Identity, tuple[dict[int, int], dict[int, int]]] = {}
    for label, identifying in _IDENTIFYING.items():
        stored: dict[Identity, dict[str, Any]] = {}
        for key, counter in _stored(store, label):
            identity = tuple(tuple(v) if isinstance(v, list) else v for v in (counter.get(p) for p in identifying))
            if key != _key(identity):
                differences.append(Difference(label, key, "key", key, _key(identity)))
            stored[identity] = counter
            if label == "GapBucket":
                stored_buckets[identity[:3]][int(str(identity[3]))] = list(counter.get("gaps") or [])
            if label == "TransitionStat":
                histograms[identity] = ({b: n for b, n in enumerate(counter.get("gap_counts") or []) if n},
                                        {g: n for g, n in enumerate(counter.get("gap_groups") or []) if n})
        if label == "GapBucket":
            continue
        wanted = recount.counters[label]
        for identity in sorted(set(stored) | set(wanted), key=lambda i: _key(i)):
            have = stored.get(identity, {})
            want: dict[str, float] = {**wanted.get(identity, {}), **recount.floats[label].get(identity, {})}
            for name in sorted((set(have) - _NOT_COUNTED - set(identifying)) | set(want)):
                if not _same(have.get(name, 0), want.get(name, 0)):
                    differences.append(Difference(label, _key(identity), name, have.get(name), want.get(name, 0)))
            if have and not any(want.values()):
                differences.append(Difference(label, _key(identity), "node", "present", "absent"))
            if label == "PathStat" and have:
                tier = _tier(identity[0], want.get("journeys", 0))
                if have.get("tier") != tier:
                    differences.append(Difference(label, _key(identity), "tier", have.get("tier"), tier))
    differences += _compare_gaps(stored_buckets, histograms, recount.gaps)
    return differences


def _tier(scope: str, journeys: float) -> str | None:
    """PathStat.tier as docs/graph-model.md defines it: `<scope>|<the highest of TIERS reached>`, absent below 10."""
    return next((f"{scope}|{tier}" for tier in TIERS if journeys >= tier), None)


def _compare_gaps(stored: Mapping[Identity, dict[int, list[int]]],
                  histograms: Mapping[Identity, tuple[dict[int, int], dict[int, int]]],
                  recomputed: Mapping[Identity, list[int]]) -> list[Difference]:
    differences: list[Difference] = []
    for transition in sorted(set(stored) | set(recomputed) | set(histograms), key=lambda i: _key(i)):
        buckets = stored.get(transition, {})
        held = sorted(g for gaps in buckets.values() for g in gaps)
        if held != sorted(recomputed.get(transition, [])):
            differences.append(Difference("GapBucket", _key(transition), "gaps", held,
                                          sorted(recomputed.get(transition, []))))
        for bucket, gaps in sorted(buckets.items()):
            low, high = _bucket_bounds(bucket)
            if gaps != sorted(gaps) or any(not low <= g < high for g in gaps) or not gaps:
                differences.append(Difference("GapBucket", _key((*transition, bucket)), "gaps", gaps,
                                              f"sorted, non-empty, within [{low}, {high})"))
        sizes = {bucket: len(gaps) for bucket, gaps in buckets.items() if gaps}
        groups: Counter[int] = Counter()
        for bucket, size in sizes.items():
            groups[bucket // GAP_GROUP] += size
        if transition in histograms and histograms[transition][0] != sizes:
            differences.append(Difference("TransitionStat", _key(transition), "gap histogram",
                                          histograms[transition][0], sizes))
        if transition in histograms and histograms[transition][1] != dict(groups):
            differences.append(Difference("TransitionStat", _key(transition), "gap groups",
                                          histograms[transition][1], dict(groups)))
    return differences


def _bucket_bounds(bucket: int) -> tuple[int, int]:
    """[low, high) of a gap bucket, from its documented definition (independent of the fold's gap_bucket)."""
    def low(b: int) -> int:
        return b if b < 16 else (16 + b % 16) * 2 ** (b // 16 - 1)
    return low(bucket), low(bucket + 1)


def _stored(store: GraphStore, label: str) -> Iterable[tuple[str, dict[str, Any]]]:
    after = ""
    while True:
        rows = store.run("live-counters", {"label": label, "after": after})
        yield from ((str(r["key"]), dict(r["counter"])) for r in rows)
        if len(rows) < 5000:
            return
        after = str(rows[-1]["key"])


def _key(identity: Identity) -> str:
    """docs/graph-model.md: the JSON text of the identifying values, or sha256: and its digest above 200 characters."""
    text = json.dumps([list(v) if isinstance(v, tuple) else v for v in identity], ensure_ascii=False,
                      separators=(",", ":"))
    return text if len(text) <= 200 else "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _same(stored: Any, recomputed: Any) -> bool:
    if stored is None:
        stored = 0
    if isinstance(stored, float) or isinstance(recomputed, float):
        return math.isclose(float(stored), float(recomputed), rel_tol=1e-9, abs_tol=1e-9)
    return bool(stored == recomputed)
