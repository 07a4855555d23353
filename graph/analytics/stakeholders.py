"""The stakeholder map: `stakeholder_map` runs cypher/stakeholder-map; `quadrant` is DESIGN.md's rule."""

from __future__ import annotations

from typing import Any, TypedDict

from graph.store import GraphStore

QUADRANT_THRESHOLD = 0.5


class StakeholderRow(TypedDict):
    stakeholder: str  # stakeholder code
    name: str | None
    support: float
    influence: float
    quadrant: str  # champion | supporter | gatekeeper | bystander
    touchpoints: list[str]  # codes of the touchpoints it owns
    frictions: list[str]  # codes of the frictions it owns or that occur at its touchpoints, most switches first
    switches: int  # switches within 90 days of a first hit of those frictions, summed over them


def quadrant(support: float, influence: float) -> str:
    """Champion, supporter, gatekeeper or bystander (threshold 0.5 on both axes)."""
    if support >= QUADRANT_THRESHOLD:
        return "champion" if influence >= QUADRANT_THRESHOLD else "supporter"
    return "gatekeeper" if influence >= QUADRANT_THRESHOLD else "bystander"


def stakeholder_map(store: GraphStore, window_days: int = 90) -> list[StakeholderRow]:
    """Every stakeholder with its position and what it owns, ranked by the switches its frictions preceded."""
    return [_stakeholder(row) for row in store.run("stakeholder-map", {"windowDays": window_days})]


def _stakeholder(row: dict[str, Any]) -> StakeholderRow:
    support = float(row["support"] or 0.0)
    influence = float(row["influence"] or 0.0)
    return StakeholderRow(
        stakeholder=str(row["stakeholder"]),
        name=row["name"],
        support=support,
        influence=influence,
        quadrant=quadrant(support, influence),
        touchpoints=[str(t) for t in row["touchpoints"]],
        frictions=[str(f) for f in row["frictions"]],
        switches=int(row["switches"]),
    )
