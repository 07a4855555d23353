"""Which frictions lead a persona to competitors: `friction_to_competitors` reads the live state
(cypher/friction-to-competitors-live) for the default window over the whole history, and scans the interactions
(cypher/friction-to-competitors) for any other window or period; both give the same rows."""

from __future__ import annotations

from typing import Any, TypedDict

from graph.analytics import float_or_none
from graph.live_state.fold import WINDOW_DAYS
from graph.store import GraphStore


class CompetitorCountRow(TypedDict):
    competitor: str  # competitor code
    count: int


class FrictionImpactRow(TypedDict):
    friction: str  # friction point code
    exposed: int
    switched: int
    rate: float
    baselineRate: float | None
    lift: float | None
    ciLow: float
    ciHigh: float
    competitors: list[CompetitorCountRow]


def friction_to_competitors(store: GraphStore, persona: str, window_days: int = 90, since: Any = None,
                            until: Any = None, min_exposed: int = 1, limit: int = 10) -> list[FrictionImpactRow]:
    """One row per friction the persona's customers hit, ranked by switches (definitions in the query header).

    `since`/`until` are epoch ms, timezone-aware datetimes or RFC 3339 text; None leaves the bound open.
    """
    if window_days == WINDOW_DAYS and since is None and until is None:  # what the live state counts
        rows = store.run("friction-to-competitors-live", {"persona": persona, "minExposed": min_exposed,
                                                          "limit": limit})
    else:
        rows = store.run("friction-to-competitors", {
            "persona": persona, "windowDays": window_days, "since": since, "until": until,
            "minExposed": min_exposed, "limit": limit,
        })
    return [_impact(row) for row in rows]


def _impact(row: dict[str, Any]) -> FrictionImpactRow:
    return FrictionImpactRow(
        friction=str(row["friction"]),
        exposed=int(row["exposed"]),
        switched=int(row["switched"]),
        rate=float(row["rate"]),
        baselineRate=float_or_none(row["baselineRate"]),
        lift=float_or_none(row["lift"]),
        ciLow=float(row["ciLow"]),
        ciHigh=float(row["ciHigh"]),
        # the query orders them by count desc, then code; sort again so no engine's collect() order matters
        competitors=sorted(
            (CompetitorCountRow(competitor=str(c["competitor"]), count=int(c["count"])) for c in row["competitors"]),
            key=lambda c: (-c["count"], c["competitor"]),
        ),
    )
