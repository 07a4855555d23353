"""Retention cohorts: `retention` runs cypher/retention-live (the customers' Timelines; cypher/retention, the scan,
on a twin without them) and adds each cell's rate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypedDict

from graph.analytics.stats import rate
from graph.analytics.steps import PERIODS, in_range, step_matcher
from graph.analytics.timelines import from_timelines
from graph.errors import InputError
from graph.store import GraphStore

Period = Literal["DAY", "WEEK", "MONTH"]
PERIOD_DAYS: dict[str, int] = {"DAY": 1, "WEEK": 7, "MONTH": 30}  # MONTH: calendar-month cohorts, 30-day periods


class RetentionCellRow(TypedDict):
    n: int  # periods after the cohort's own
    eligible: int  # cohort customers whose period n has ended by asOf
    retained: int  # of them, those with a return event in period n
    rate: float | None  # retained / eligible (None when no one is eligible)


class CohortRow(TypedDict):
    start: int  # epoch ms: the UTC day, ISO week (Monday) or calendar month the cohort's customers started in
    size: int
    periods: list[RetentionCellRow]


class RetentionAnswer(TypedDict):
    asOf: int  # epoch ms
    cohorts: list[CohortRow]


def retention(store: GraphStore, cohort_event: Mapping[str, Any], return_event: Mapping[str, Any],
              period: Period = "WEEK", periods: int = 8, since: Any = None, until: Any = None,
              persona: str | None = None, as_of: Any = None) -> RetentionAnswer:
    """Cohorts by the period of each customer's first cohort event, with eligible and retained counts per period
    (definitions in DESIGN.md "retention" and the query header)."""
    if period not in PERIOD_DAYS:
        raise InputError(f"period: {period!r} is not DAY, WEEK or MONTH.")
    rows = from_timelines(store, "retention-live", "retention", {
        "cohortEvent": step_matcher(cohort_event, "cohortEvent"),
        "returnEvent": step_matcher(return_event, "returnEvent"), "period": period,
        "periods": in_range("periods", periods, PERIODS), "since": since, "until": until, "persona": persona,
        "asOf": as_of,
    }, lambda rows: bool(rows[0]["cohorts"]))
    row = rows[0]
    return RetentionAnswer(asOf=int(row["asOf"]), cohorts=[CohortRow(
        start=int(c["start"]), size=int(c["size"]),
        periods=[RetentionCellRow(n=int(p["n"]), eligible=int(p["eligible"]), retained=int(p["retained"]),
                                        rate=rate(int(p["retained"]), int(p["eligible"]))) for p in c["periods"]],
    ) for c in sorted(row["cohorts"], key=lambda c: int(c["start"]))])
