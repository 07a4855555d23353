"""Paths from and to a step, and whole journeys as process-mining variants: `journey_paths` runs cypher/journey-paths.

Without matchers the answer is today's variants and directly-follows graph: each whole journey is one path, so the
sequences are the variants (`variants` keeps their old shape with a share) and the transitions are the edges. Without
matchers and period it reads the live state (cypher/journey-paths-live) instead of scanning the journeys: the same
answer, the median gaps exact; a transition the state query cannot give a median for (see its header) sends the
question to the scan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from graph.analytics.steps import PATH_STEPS, ROWS, in_range, step_matcher
from graph.store import GraphStore


class PathSequenceRow(TypedDict):
    steps: list[str]  # touchpoint codes in order
    occurrences: int  # kept paths with exactly these labels
    customers: int  # distinct customers among them


class PathTransitionRow(TypedDict):
    source: str  # touchpoint code
    target: str  # touchpoint code of the next event of the same path
    occurrences: int  # once per path that holds the pair
    medianMs: float  # median time between the two events


class Variant(TypedDict):
    variant: list[str]  # touchpoint codes of a whole journey, in order
    journeys: int
    share: float  # of the kept paths


class DirectlyFollows(TypedDict):
    source: str
    target: str
    count: int
    medianMs: float


class JourneyPathsAnswer(TypedDict):
    sequences: list[PathSequenceRow]
    transitions: list[PathTransitionRow]
    paths: int  # every kept path, also those beyond `limit`
    variants: list[Variant]  # the sequences as variants with their share (the answer before matchers existed)
    edges: list[DirectlyFollows]  # the transitions under their old names


def journey_paths(store: GraphStore, persona: str | None = None, limit: int = 10, *,
                  start: Mapping[str, Any] | None = None, end: Mapping[str, Any] | None = None, max_steps: int = 5,
                  since: Any = None, until: Any = None) -> JourneyPathsAnswer:
    """The `limit` most frequent paths (most first) and every transition between their steps (most first).

    `start`/`end` are step matchers (None = no matcher); `since`/`until` bound the anchor (epoch ms, aware datetimes
    or RFC 3339 text; None leaves the bound open)."""
    scan = {
        "persona": persona, "limit": in_range("limit", limit, ROWS),
        "start": None if start is None else step_matcher(start, "start"),
        "end": None if end is None else step_matcher(end, "end"),
        "maxSteps": in_range("maxSteps", max_steps, PATH_STEPS), "since": since, "until": until,
    }
    live = start is None and end is None and since is None and until is None  # what the live state counts
    found: dict[str, dict[str, Any]] = {}
    if live:
        found = {str(r["kind"]): r for r in store.run("journey-paths-live", {"persona": persona, "limit": limit})}
    if not live or any(t["medianMs"] is None for t in found.get("transition", {}).get("rows", [])):
        found = {str(r["kind"]): r for r in store.run("journey-paths", scan)}
    if "sequence" not in found:
        return JourneyPathsAnswer(sequences=[], transitions=[], paths=0, variants=[], edges=[])
    paths = int(found["sequence"]["total"])
    sequences = [PathSequenceRow(steps=[str(t) for t in s["steps"]], occurrences=int(s["occurrences"]),
                                 customers=int(s["customers"])) for s in found["sequence"]["rows"]]
    transitions = [PathTransitionRow(source=str(t["steps"][0]), target=str(t["steps"][1]),
                                     occurrences=int(t["occurrences"]), medianMs=float(t["medianMs"]))
                   for t in (found["transition"]["rows"] if "transition" in found else [])]
    # engines agree on the query's order; sorting again keeps the documented one whatever a collect() does
    sequences.sort(key=lambda s: (-s["occurrences"], s["steps"]))
    transitions.sort(key=lambda t: (-t["occurrences"], t["source"], t["target"]))
    return JourneyPathsAnswer(
        sequences=sequences, transitions=transitions, paths=paths,
        variants=[Variant(variant=s["steps"], journeys=s["occurrences"], share=s["occurrences"] / paths)
                  for s in sequences],
        edges=[DirectlyFollows(source=t["source"], target=t["target"], count=t["occurrences"],
                                     medianMs=t["medianMs"]) for t in transitions],
    )
