"""A persona's journey map: `journey_map` runs cypher/journey-map (stages in funnel order)."""

from __future__ import annotations

from typing import Any, TypedDict

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
    rows = store.run("journey-map", {"persona": persona, "since": since, "until": until})
    return [JourneyStageRow(stage=str(row["stage"]), touchpoints=[_touchpoint(t) for t in row["touchpoints"]])
            for row in rows]


def _touchpoint(t: dict[str, Any]) -> TouchpointExperienceRow:
    return TouchpointExperienceRow(
        touchpoint=str(t["touchpoint"]),
        interactions=int(t["interactions"]),
        customers=int(t["customers"]),
        avgCsat=_float_or_none(t["avgCsat"]),
        avgCes=_float_or_none(t["avgCes"]),
        negativeShare=float(t["negativeShare"]),
        topFrictions=[FrictionCountRow(friction=str(f["friction"]), count=int(f["count"])) for f in t["topFrictions"]],
        dropOff=_float_or_none(t["dropOff"]),
    )


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)
