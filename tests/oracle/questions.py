"""DESIGN.md's funnel, retention and journeyPaths, applied literally to a rebuilt twin (`twin.load`).

Answers have the GraphQL shapes (camelCase keys), with instants as epoch ms."""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from .stats import lift, rate, wilson_interval
from .twin import DAY_MS, EPOCH, Customer, Event, Twin

Matcher = dict[str, str]


def _in_period(ts: int, since: int | None, until: int | None) -> bool:
    return (since is None or since <= ts) and (until is None or ts < until)


def _median(values: list[int]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# -- funnel ------------------------------------------------------------------------------------------------------
def funnel(twin: Twin, steps: list[Matcher], persona: str | None = None, window_days: int = 14,
           since: int | None = None, until: int | None = None, breakdown: str | None = None, min_hitters: int = 1,
           limit: int = 10) -> dict[str, Any]:
    n, window = len(steps), window_days * DAY_MS
    attempts: dict[str, tuple[int, list[int], list[Event]]] = {}  # customer -> (level, match indexes, events)
    for c in twin.counted():
        evs = c.events
        best: list[int] = []
        for a, e in enumerate(evs):
            if not (e.matches(steps[0]) and _in_period(e.ts, since, until)):
                continue
            if persona is not None and persona not in c.personas_at(e.ts):
                continue
            chain = [a]
            for k in range(1, n):
                found = next((b for b in range(chain[-1] + 1, len(evs))
                              if evs[b].matches(steps[k]) and evs[b].ts <= e.ts + window), None)
                if found is None:
                    break
                chain.append(found)
            if len(chain) > len(best):
                best = chain
        if best:
            attempts[c.id] = (len(best), best, evs)

    def steps_of(members: list[str]) -> list[dict[str, Any]]:
        counts = [sum(1 for m in members if attempts[m][0] >= k) for k in range(1, n + 1)]
        rows = []
        for k in range(1, n + 1):
            gaps = [attempts[m][2][attempts[m][1][k - 1]].ts - attempts[m][2][attempts[m][1][0]].ts
                    for m in members if attempts[m][0] >= k]
            rows.append({"step": k, "customers": counts[k - 1],
                         "fromPrevious": 1.0 if k == 1 else _ratio(counts[k - 1], counts[k - 2]),
                         "fromFirst": _ratio(counts[k - 1], counts[0]), "medianMsFromEntry": _median(gaps)})
        return rows

    everyone = sorted(attempts)
    groups: list[dict[str, Any]] = []
    if breakdown is not None:
        by_key: dict[str | None, list[str]] = defaultdict(list)
        for cid in everyone:
            level, chain, evs = attempts[cid]
            entry = evs[chain[0]]
            if breakdown == "CHANNEL":
                keys: list[str | None] = [entry.channel]
            else:
                keys = sorted(twin.customers[cid].personas_at(entry.ts)) or [None]
            for key in keys:
                by_key[key].append(cid)
        groups = [{"key": key, "steps": steps_of(by_key[key])}
                  for key in sorted(by_key, key=lambda k: (k is None, k or ""))]
    drops: list[dict[str, Any]] = []
    for k in range(1, n):
        reached = [cid for cid in everyone if attempts[cid][0] >= k]
        dropped = {cid for cid in reached if attempts[cid][0] == k}
        hitters: dict[str, set[str]] = defaultdict(set)
        for cid in reached:
            level, chain, evs = attempts[cid]
            entry_ts = evs[chain[0]].ts
            if level >= k + 1:
                window_events = evs[chain[k - 1]:chain[k]]
            else:
                window_events = [x for x in evs[chain[k - 1]:] if x.ts <= entry_ts + window]
            for x in window_events:
                for f in x.frictions:
                    hitters[f].add(cid)
        rows = []
        for friction, who in hitters.items():
            if len(who) < min_hitters:
                continue
            h, dh = len(who), len(who & dropped)
            drop_rate = dh / h
            baseline = rate(len(dropped) - dh, len(reached) - h)
            low, high = wilson_interval(dh, h)
            rows.append({"step": k, "friction": friction, "hitters": h, "droppedHitters": dh, "dropRate": drop_rate,
                         "baseline": baseline, "lift": lift(drop_rate, baseline), "ciLow": low, "ciHigh": high})
        rows.sort(key=lambda r: (-r["droppedHitters"], r["lift"] is None, -(r["lift"] or 0.0), r["friction"]))
        drops += rows[:limit]
    return {"steps": steps_of(everyone), "groups": groups, "drops": drops}


# -- retention ---------------------------------------------------------------------------------------------------
PERIOD_DAYS = {"DAY": 1, "WEEK": 7, "MONTH": 30}


def cohort_start(ts: int, period: str) -> int:
    moment = EPOCH + timedelta(milliseconds=ts)
    day = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
    if period == "WEEK":
        day -= timedelta(days=day.weekday())
    elif period == "MONTH":
        day = day.replace(day=1)
    assert calendar.timegm(day.timetuple()) * 1000 == (day - EPOCH) // timedelta(milliseconds=1)
    return (day - EPOCH) // timedelta(milliseconds=1)


def retention(twin: Twin, cohort_event: Matcher, return_event: Matcher, period: str = "WEEK", periods: int = 8,
              since: int | None = None, until: int | None = None, persona: str | None = None,
              as_of: int | None = None, now: int | None = None) -> dict[str, Any]:
    length = PERIOD_DAYS[period] * DAY_MS
    if as_of is None:
        wall = now if now is not None else (datetime.now(UTC) - EPOCH) // timedelta(milliseconds=1)
        every = [e.ts for c in twin.customers.values() for e in c.events if e.ts <= wall]
        as_of = max(every) if every else wall
    cohorts: dict[int, list[tuple[Customer, int]]] = defaultdict(list)
    for c in twin.counted():
        first = next((e for e in c.events if e.matches(cohort_event)), None)
        if first is None or not _in_period(first.ts, since, until):
            continue
        if persona is not None and persona not in c.personas_at(first.ts):
            continue
        cohorts[cohort_start(first.ts, period)].append((c, first.ts))
    answer = []
    for start in sorted(cohorts):
        cells = []
        for n in range(1, periods + 1):
            eligible = [(c, s) for c, s in cohorts[start] if s + (n + 1) * length <= as_of]
            retained = [c for c, s in eligible
                        if any(e.matches(return_event) and s + n * length <= e.ts < s + (n + 1) * length
                               for e in c.events)]
            cells.append({"n": n, "eligible": len(eligible), "retained": len(retained),
                          "rate": _ratio(len(retained), len(eligible))})
        answer.append({"start": start, "size": len(cohorts[start]), "periods": cells})
    return {"asOf": as_of, "cohorts": answer}


# -- journeyPaths ------------------------------------------------------------------------------------------------
def journey_paths(twin: Twin, persona: str | None = None, start: Matcher | None = None, end: Matcher | None = None,
                  max_steps: int = 5, since: int | None = None, until: int | None = None,
                  limit: int = 10) -> dict[str, Any]:
    kept: list[tuple[str, list[Event]]] = []
    for c in twin.counted():
        for journey in c.journeys:
            for i, event in enumerate(journey):
                if start is None and end is None:
                    anchor, path = (journey[0], journey) if i == 0 else (None, None)
                elif start is not None and end is None:
                    anchor, path = (event, journey[i:i + max_steps]) if event.matches(start) else (None, None)
                elif start is None and end is not None:
                    anchor, path = ((event, journey[max(0, i - max_steps + 1):i + 1]) if event.matches(end)
                                    else (None, None))
                else:
                    assert start is not None and end is not None
                    if not event.matches(start):
                        continue
                    j = next((j for j in range(i + 1, len(journey)) if journey[j].matches(end)), None)
                    anchor, path = ((event, journey[i:j + 1]) if j is not None and j - i + 1 <= max_steps
                                    else (None, None))
                if anchor is None or path is None or not _in_period(anchor.ts, since, until):
                    continue
                if persona is not None and persona not in c.personas_at(anchor.ts):
                    continue
                kept.append((c.id, path))
    occurrences: Counter[tuple[str, ...]] = Counter()
    customers: dict[tuple[str, ...], set[str]] = defaultdict(set)
    pairs: dict[tuple[str, str], list[int]] = defaultdict(list)
    for cid, path in kept:
        labels = tuple(e.touchpoint for e in path)
        occurrences[labels] += 1
        customers[labels].add(cid)
        for a, b in zip(path, path[1:], strict=False):
            pairs[(a.touchpoint, b.touchpoint)].append(b.ts - a.ts)
    ranked = sorted(occurrences, key=lambda labels: (-occurrences[labels], labels))
    return {
        "sequences": [{"steps": list(labels), "occurrences": occurrences[labels], "customers": len(customers[labels])}
                      for labels in ranked[:limit]],
        "transitions": [{"from": a, "to": b, "occurrences": len(gaps), "medianMs": _median(gaps)}
                        for (a, b), gaps in sorted(pairs.items(), key=lambda kv: (-len(kv[1]), kv[0]))],
    }
