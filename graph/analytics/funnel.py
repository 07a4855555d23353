"""How far customers get through a sequence of steps, and why they drop: `funnel` runs cypher/funnel-live (the
customers' Timelines), or cypher/funnel (the scan) on a twin written before the Timelines existed.

The query counts (customers per step, per breakdown group, per step and friction); this module turns the counts
into the answer with the statistics of `graph.analytics.stats`, so a path that keeps the counts some other way
shapes them with the same code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict

from graph.analytics.stats import lift, rate, wilson_interval
from graph.analytics.steps import FUNNEL_STEPS, ROWS, WINDOW_DAYS, in_range, step_matcher
from graph.analytics.timelines import from_timelines
from graph.errors import InputError
from graph.store import GraphStore

MIN_HITTERS = (1, 2**31 - 1)
Breakdown = Literal["PERSONA", "CHANNEL"]


class FunnelStepRow(TypedDict):
    step: int  # 1-based
    customers: int  # customers whose best chain reached this step
    fromPrevious: float | None  # customers / customers at the step before (1.0 at step 1)
    fromFirst: float | None  # customers / customers at step 1
    medianMsFromEntry: float | None  # median time from the entry to this step's match (0 at step 1)


class FunnelGroupRow(TypedDict):
    key: str | None  # persona code or channel code; None = customers who were no persona at entry
    steps: list[FunnelStepRow]


class FunnelDropRow(TypedDict):
    step: int  # the step customers dropped after
    friction: str  # friction point code
    hitters: int  # customers who reached the step and hit the friction before the next step (or the window's end)
    droppedHitters: int  # of them, those who went no further
    dropRate: float
    baseline: float | None  # drop rate of those who reached the step without hitting it
    lift: float | None
    ciLow: float
    ciHigh: float


class FunnelAnswer(TypedDict):
    steps: list[FunnelStepRow]
    groups: list[FunnelGroupRow]
    drops: list[FunnelDropRow]


def funnel(store: GraphStore, steps: Sequence[Mapping[str, Any]], persona: str | None = None, window_days: int = 14,
           since: Any = None, until: Any = None, breakdown: Breakdown | None = None, min_hitters: int = 1,
           limit: int = 10) -> FunnelAnswer:
    """The funnel of `steps` (definitions in DESIGN.md "funnel" and the query header).

    `since`/`until` are epoch ms, timezone-aware datetimes or RFC 3339 text; None leaves the bound open.
    """
    if not FUNNEL_STEPS[0] <= len(steps) <= FUNNEL_STEPS[1]:
        raise InputError(f"steps: {len(steps)} steps given; a funnel has {FUNNEL_STEPS[0]} to {FUNNEL_STEPS[1]}.")
    if breakdown not in (None, "PERSONA", "CHANNEL"):
        raise InputError(f"breakdown: {breakdown!r} is not PERSONA or CHANNEL.")
    matchers = [step_matcher(s, f"steps[{n}]") for n, s in enumerate(steps)]
    params = {"steps": matchers, "persona": persona, "since": since, "until": until, "breakdown": breakdown,
              "windowDays": in_range("windowDays", window_days, WINDOW_DAYS),
              "minHitters": in_range("minHitters", min_hitters, MIN_HITTERS)}
    rows = from_timelines(store, "funnel-live", "funnel", params, bool)
    return shape_funnel(rows, len(matchers), breakdown is not None, in_range("limit", limit, ROWS))


def shape_funnel(rows: Sequence[Mapping[str, Any]], n: int, grouped: bool, limit: int) -> FunnelAnswer:
    """The answer from the query's count rows ({kind, key, step, customers, dropped, medianMs})."""
    counts: dict[tuple[str, str | None], dict[int, Mapping[str, Any]]] = {}
    for row in rows:
        counts.setdefault((str(row["kind"]), row["key"]), {})[int(row["step"])] = row
    groups = sorted({key for kind, key in counts if kind == "group"}, key=lambda k: (k is None, k or ""))
    reach = counts.get(("reach", None), {})
    drops: list[FunnelDropRow] = []
    for step in range(1, n):
        reached = reach.get(step)
        rows_of_step = [(key, by_step[step]) for (kind, key), by_step in counts.items()
                        if kind == "hit" and step in by_step]
        if reached is None:
            continue
        population, dropped = int(reached["customers"]), int(reached["dropped"])
        found = [_drop(step, str(key), int(r["customers"]), int(r["dropped"]), population, dropped)
                 for key, r in rows_of_step]
        found.sort(key=lambda d: (-d["droppedHitters"], d["lift"] is None, -(d["lift"] or 0.0), d["friction"]))
        drops += found[:limit]
    return FunnelAnswer(steps=_steps(counts.get(("step", None), {}), n),
                        groups=[FunnelGroupRow(key=key, steps=_steps(counts[("group", key)], n)) for key in groups]
                        if grouped else [],
                        drops=drops)


def _steps(by_step: Mapping[int, Mapping[str, Any]], n: int) -> list[FunnelStepRow]:
    customers = [int(by_step[k]["customers"]) if k in by_step else 0 for k in range(1, n + 1)]
    return [FunnelStepRow(
        step=k,
        customers=customers[k - 1],
        fromPrevious=1.0 if k == 1 else rate(customers[k - 1], customers[k - 2]),
        fromFirst=rate(customers[k - 1], customers[0]),
        medianMsFromEntry=None if k not in by_step or by_step[k]["medianMs"] is None
        else float(by_step[k]["medianMs"]),
    ) for k in range(1, n + 1)]


def _drop(step: int, friction: str, hitters: int, dropped_hitters: int, population: int,
          dropped: int) -> FunnelDropRow:
    drop_rate = dropped_hitters / hitters
    baseline = rate(dropped - dropped_hitters, population - hitters)
    low, high = wilson_interval(dropped_hitters, hitters)
    return FunnelDropRow(step=step, friction=friction, hitters=hitters, droppedHitters=dropped_hitters,
                         dropRate=drop_rate, baseline=baseline, lift=lift(drop_rate, baseline), ciLow=low, ciHigh=high)
