"""A persona's journey map (stages in funnel order): `journey_map` reads the live state (cypher/journey-map-live) over
the whole history, and scans the interactions (cypher/journey-map) for a period; both give the same rows."""

from __future__ import annotations

from typing import Any, TypedDict

from graph.analytics import float_or_none
from graph.store import GraphStore


class FrictionCountRow(TypedDict):
    friction: str  # friction point code
    count: int


class TouchpointExperienceRow(TypedDict):
    touchpoint: str  # touchpoint code
    interactions: int
    customers: int
    avgCsat: float | None
    avgCes: float | None
    negativeShare: float
    topFrictions: list[FrictionCountRow]
    dropOff: float | None


class JourneyStageRow(TypedDict):
    stage: str
    touchpoints: list[TouchpointExperienceRow]


def journey_map(store: GraphStore, persona: str, since: Any = None, until: Any = None) -> list[JourneyStageRow]:
    """Per stage and touchpoint, how the persona's customers fared there (definitions in the query header)."""
    if since is None and until is None:  # what the live state counts
        rows = store.run("journey-map-live", {"persona": persona})
    else:
        rows = store.run("journey-map", {"persona": persona, "since": since, "until": until})
    # interactions with no stage (neither the event nor its touchpoint's catalog entry gives one) have no place on a
    # map of stages: the queries return them as a null stage, which the map leaves off (docs/api.md "journeyMap")
    return [JourneyStageRow(stage=str(row["stage"]), touchpoints=[_touchpoint(t) for t in row["touchpoints"]])
            for row in rows if row["stage"] is not None]


def _touchpoint(t: dict[str, Any]) -> TouchpointExperienceRow:
    return TouchpointExperienceRow(
        touchpoint=str(t["touchpoint"]),
        interactions=int(t["interactions"]),
        customers=int(t["customers"]),
        avgCsat=float_or_none(t["avgCsat"]),
        avgCes=float_or_none(t["avgCes"]),
        negativeShare=float(t["negativeShare"]),
        topFrictions=[FrictionCountRow(friction=str(f["friction"]), count=int(f["count"])) for f in t["topFrictions"]],
        dropOff=float_or_none(t["dropOff"]),
    )
