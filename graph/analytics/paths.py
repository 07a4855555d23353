"""How a persona's journeys flow: `journey_paths` runs cypher/journey-paths (variants and directly-follows graph)."""

from __future__ import annotations

from typing import TypedDict

from graph.store import GraphStore


class Variant(TypedDict):
    variant: list[str]  # touchpoint codes of a whole journey, in order
    journeys: int
    share: float  # of the persona's journeys


class DirectlyFollows(TypedDict):
    source: str  # touchpoint code
    target: str  # touchpoint code of the next interaction in the same journey
    count: int
    medianMs: float  # median time between the two steps


class JourneyPaths(TypedDict):
    variants: list[Variant]
    edges: list[DirectlyFollows]


def journey_paths(store: GraphStore, persona: str, limit: int = 10) -> JourneyPaths:
    """The `limit` most frequent variants (most first) and every directly-follows edge (most frequent first)."""
    rows = store.run("journey-paths", {"persona": persona, "limit": limit})
    if not rows:
        return JourneyPaths(variants=[], edges=[])
    row = rows[0]
    return JourneyPaths(
        variants=[Variant(variant=[str(t) for t in v["variant"]], journeys=int(v["journeys"]), share=float(v["share"]))
                  for v in row["variants"]],
        edges=[DirectlyFollows(source=str(e["source"]), target=str(e["target"]), count=int(e["count"]),
                               medianMs=float(e["medianMs"])) for e in row["edges"]],
    )
