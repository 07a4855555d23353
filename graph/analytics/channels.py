"""CX metrics per channel: `cx_by_channel` reads the live state (cypher/cx-by-channel-live) over the whole history,
and scans the interactions (cypher/cx-by-channel) for a period; both give the same rows."""

from __future__ import annotations

from typing import Any, TypedDict

from graph.analytics import float_or_none
from graph.store import GraphStore


class ChannelExperienceRow(TypedDict):
    channel: str | None  # channel code; None for interactions without one
    interactions: int
    customers: int
    avgCsat: float | None
    avgCes: float | None
    avgNps: float | None
    nps: float | None  # % promoters minus % detractors among the NPS answers
    negativeShare: float
    failureShare: float
    frictionHits: int


def cx_by_channel(store: GraphStore, since: Any = None, until: Any = None) -> list[ChannelExperienceRow]:
    """One row per channel, busiest first (definitions in the query header).

    `since`/`until` are epoch ms, timezone-aware datetimes or RFC 3339 text; None leaves the bound open.
    """
    if since is None and until is None:  # what the live state counts
        rows = store.run("cx-by-channel-live")
    else:
        rows = store.run("cx-by-channel", {"since": since, "until": until})
    return [_channel(row) for row in rows]


def _channel(row: dict[str, Any]) -> ChannelExperienceRow:
    avg_csat, avg_ces, avg_nps, nps = (float_or_none(row[k]) for k in ("avgCsat", "avgCes", "avgNps", "nps"))
    return ChannelExperienceRow(channel=None if row["channel"] is None else str(row["channel"]),
                                interactions=int(row["interactions"]), customers=int(row["customers"]),
                                avgCsat=avg_csat, avgCes=avg_ces, avgNps=avg_nps, nps=nps,
                                negativeShare=float(row["negativeShare"]), failureShare=float(row["failureShare"]),
                                frictionHits=int(row["frictionHits"]))
