"""The live state as query parameters: counter deltas and facts, as rows of the fragment `live-state-write`.

Both ways of keeping the state write through it: the ingest fast path inside its batch query
(`cypher/internal/ingest-batch.cypher`), a repair in `live-repair-finish`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from graph.live_state.fold import (
    CHANNEL,
    COMPETITOR,
    FIELDS,
    FRICTION,
    GAP,
    MAP,
    MAP_FRICTION,
    PATH,
    PATH_SCOPE,
    PERSONA,
    TRANSITION,
    Contribution,
    Facts,
)

KEY_TEXT_MAX = 200
PARAM_OF_KIND = {PERSONA: "persona_stats", FRICTION: "friction_stats", COMPETITOR: "competitor_stats",
                 MAP: "map_stats", MAP_FRICTION: "map_friction_stats", CHANNEL: "channel_stats",
                 PATH_SCOPE: "path_scope_stats", PATH: "path_stats", TRANSITION: "transition_stats",
                 GAP: "gap_buckets"}
GAPS_MANY = "gap_buckets_many"  # the rows of buckets gaining or losing more than GAPS_ONE_BY_ONE gaps in a write
GAPS_ONE_BY_ONE = 8  # up to this many, gaps are inserted and removed in place, each a pass over the bucket's list
COUNTER_PARAMS = (*PARAM_OF_KIND.values(), GAPS_MANY)
FACT_PARAMS = ("state_customers", "state_cleared", "state_active", "state_exposed", "journey_stages",
               "state_timelines", "state_timeline_appends", "state_timelines_dropped")
_POSITION = {kind: {name: n for n, name in enumerate(names)} for kind, names in FIELDS.items()}
SCOPED = (PATH_SCOPE, PATH, TRANSITION)  # kinds whose rows carry the persona of their scope after the scope
PERSONA_SCOPE = "persona:"
GAP_GROUP = 16  # buckets per group of TransitionStat.gap_groups: one doubling of the gap (docs/graph-model.md)


def counter_key(kind: str, ident: tuple[object, ...]) -> str:
    """The `key` of a counter node: the JSON text of its identifying values, or `sha256:` and its digest when that
    text is longer than KEY_TEXT_MAX (FalkorDB 4.16 crashes on a unique key of about 4 KB: a long journey variant).
    Remembered for the counters batches write again and again (a persona's, a cell's, a channel's, a transition's),
    not for path variants: there is one per journey prefix, seldom written in two batches, and a cache of them would
    hold every journey's steps, growing with the history (the ingest's peak at 5M events over 86,000 customers: 518 MB
    with it, 333 MB without)."""
    return _key_text(ident) if kind == PATH else _remembered_key(ident)


@lru_cache(maxsize=50_000)
def _remembered_key(ident: tuple[object, ...]) -> str:
    return _key_text(ident)


def _key_text(ident: tuple[object, ...]) -> str:
    text = json.dumps([list(v) if isinstance(v, tuple) else v for v in ident], ensure_ascii=False,
                      separators=(",", ":"))
    return text if len(text) <= KEY_TEXT_MAX else "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def persona_of_scope(scope: str) -> str | None:
    return scope[len(PERSONA_SCOPE):] if scope.startswith(PERSONA_SCOPE) else None


def difference(new: Contribution, old: Contribution) -> Contribution:
    """new - old, entry by entry (entries that cancel out left out)."""
    out = dict(new)
    for key, amount in old.items():
        left = out.get(key, 0) - amount
        if left:
            out[key] = left
        else:
            out.pop(key, None)
    return out


def add_into(total: Contribution, more: Mapping[tuple[str, tuple[object, ...], object], float]) -> None:
    for key, amount in more.items():
        total[key] = total.get(key, 0) + amount


def counter_params(delta: Contribution) -> dict[str, list[list[Any]]]:
    """The counter rows of `live-state-write` for a sum of contributions."""
    vectors: dict[tuple[str, tuple[object, ...]], list[float]] = {}
    gaps: dict[tuple[object, ...], dict[object, float]] = {}
    for (kind, ident, name), amount in delta.items():
        if not amount:
            continue
        if kind == GAP:
            per_value = gaps.setdefault(ident, {})
            per_value[name] = per_value.get(name, 0) + amount
            continue
        vector = vectors.get((kind, ident))
        if vector is None:
            vector = vectors[(kind, ident)] = [0] * len(FIELDS[kind])
        vector[_POSITION[kind][str(name)]] += amount
    params: dict[str, list[list[Any]]] = {param: [] for param in COUNTER_PARAMS}
    histograms: dict[tuple[object, ...], dict[object, int]] = {}
    keyed_gaps = sorted(((counter_key(GAP, ident), ident, per_value) for ident, per_value in gaps.items()),
                        key=lambda row: row[0])
    for key, ident, per_value in keyed_gaps:
        added: list[int] = []
        removed: list[int] = []
        for value, count in per_value.items():
            (added if count > 0 else removed).extend([int(str(value))] * abs(int(count)))
        added.sort()
        removed.sort()
        if not added and not removed:
            continue
        scope, source, target, bucket = ident
        many = len(added) + len(removed) > GAPS_ONE_BY_ONE
        params[GAPS_MANY if many else PARAM_OF_KIND[GAP]].append([key, scope, source, target, bucket, added, removed])
        histogram = histograms.setdefault((scope, source, target), {})
        histogram[bucket] = histogram.get(bucket, 0) + len(added) - len(removed)
    for ident in histograms:
        vectors.setdefault((TRANSITION, ident), [0])
    keyed = sorted(((kind, counter_key(kind, ident), ident, vector) for (kind, ident), vector in vectors.items()),
                   key=lambda row: (row[0], row[1]))
    for kind, key, ident, vector in keyed:
        counts = histograms.get(ident, {}) if kind == TRANSITION else {}
        changed = {int(str(bucket)): n for bucket, n in counts.items() if n}
        if not any(vector) and not changed:
            continue
        values: list[Any] = [list(v) if isinstance(v, tuple) else v for v in ident]
        if kind in SCOPED:
            values.insert(1, persona_of_scope(str(ident[0])))
        row = [key, *values, *(_number(x) for x in vector)]
        if kind == TRANSITION:
            row += [by_position(changed), by_position(gap_groups(changed))]
        params[PARAM_OF_KIND[kind]].append(row)
    return params


def gap_groups(counts: Mapping[int, int]) -> dict[int, int]:
    """A gap histogram by bucket summed by group of GAP_GROUP buckets (TransitionStat.gap_groups)."""
    groups: dict[int, int] = {}
    for bucket, n in counts.items():
        groups[bucket // GAP_GROUP] = groups.get(bucket // GAP_GROUP, 0) + n
    return groups


def by_position(counts: Mapping[int, int]) -> list[int]:
    """{position: count} as a list indexed by position, zeros between (TransitionStat's histograms)."""
    listed = [0] * (max(counts) + 1 if counts else 0)
    for position, n in counts.items():
        listed[position] = n
    return listed


def _number(amount: float) -> float | int:
    return int(amount) if isinstance(amount, int) or float(amount).is_integer() and abs(amount) < 2**53 else amount


def facts_params(facts: Mapping[str, Facts], before: Mapping[str, Facts] | None = None, *,
                 appended: bool = False) -> dict[str, list[Any]]:
    """The fact rows of `live-state-write` for customers whose facts are now `facts` and were `before` (None:
    unknown, everything is rewritten). A customer whose ACTIVE_AS or EXPOSED_TO changed has them all cleared and
    written again, unless `appended` (in-order events only add facts or fill them in: only those are written)."""
    params: dict[str, list[Any]] = {name: [] for name in FACT_PARAMS}
    for cid, now in facts.items():
        old = before.get(cid) if before is not None else None
        if before is not None and old is None and _blank(now):
            continue  # a customer new to the graph, without interactions: nothing to write
        edges_changed = old is None or old.active != now.active or old.exposures != now.exposures
        if edges_changed and not appended:
            params["state_cleared"].append(cid)
        if old is None or (now.stage, now.stage_reason, now.latest_trigger) != (
                old.stage, old.stage_reason, old.latest_trigger):
            trigger = now.latest_trigger
            params["state_customers"].append(
                [cid, now.stage, now.stage_reason,
                 *([trigger[2], trigger[3], trigger[0], trigger[1]] if trigger else [None] * 4)])
        if edges_changed:
            fill_in = old if appended else None  # what an append leaves as it is
            for persona, first in sorted(now.active.items()):
                if fill_in is None or fill_in.active.get(persona) != first:
                    params["state_active"].append([cid, persona, *first])
            for (persona, friction), exposure in sorted(now.exposures.items()):
                if fill_in is None or fill_in.exposures.get((persona, friction)) != exposure:
                    params["state_exposed"].append([cid, persona, friction, *exposure])
        for jid, stage in sorted(now.journey_stages.items()):
            if old is None or jid not in old.journey_stages or old.journey_stages[jid] != stage:
                params["journey_stages"].append([jid, stage])
        if old is None or old.timeline != now.timeline:
            tail = now.timeline.appended_since(old.timeline) if appended and old is not None else None
            if tail is not None:  # in-order events: the lists they extend, and the tails of ts and channels
                params["state_timeline_appends"].append([cid, *tail])
            elif now.timeline.size:
                params["state_timelines"].append([cid, now.timeline.properties()])
            else:
                params["state_timelines_dropped"].append(cid)
    return params


def _blank(facts: Facts) -> bool:
    return not (facts.active or facts.exposures or facts.stage or facts.latest_trigger or facts.journey_stages
                or facts.timeline.size)


def state_params(delta: Contribution, facts: Mapping[str, Facts], before: Mapping[str, Facts] | None = None, *,
                 appended: bool = False) -> dict[str, list[Any]]:
    """Every parameter of `live-state-write` (`facts_params` for the arguments)."""
    return {**counter_params(delta), **facts_params(facts, before, appended=appended)}


def no_state() -> dict[str, list[Any]]:
    """The parameters of `live-state-write` that change nothing."""
    return {name: [] for name in (*COUNTER_PARAMS, *FACT_PARAMS)}
