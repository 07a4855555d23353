"""The questions' answers as production reads them off the live state (the `graph/analytics` functions with their
default parameters, which run the `cypher/*-live.cypher` queries), beside the same questions answered by the scan
queries (a period from epoch 0, which holds every event, sends each function to its scan), so a test can hold one
against the other: integers exact, doubles within 1e-9, rows in the same order."""

from __future__ import annotations

import math
from typing import Any

from graph.analytics.channels import ChannelExperienceRow, cx_by_channel
from graph.analytics.friction import FrictionImpactRow, friction_to_competitors
from graph.analytics.journey_map import JourneyStageRow, journey_map
from graph.analytics.paths import JourneyPathsAnswer, journey_paths
from graph.store import GraphStore

EVERY_EVENT = 0  # a `since` that holds every event: the scan path
PATHS_LIMIT = 100  # the largest `limit` journeyPaths takes


def same(a: Any, b: Any, where: str = "") -> None:
    """Equal answers: integers exactly, doubles within 1e-9 relative, lists and maps element by element."""
    if isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None, (where, a, b)
        assert math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12), (where, a, b)
    elif isinstance(a, dict) and isinstance(b, dict):
        assert set(a) == set(b), (where, sorted(a), sorted(b))
        for key in a:
            same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), (where, a, b)
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{n}]")
    else:
        assert a == b, (where, a, b)


def friction_answers(store: GraphStore, persona: str) -> tuple[list[FrictionImpactRow], list[FrictionImpactRow]]:
    """(from the state, from the scan) for windowDays 90, the whole history, every friction."""
    return (friction_to_competitors(store, persona, limit=1000),
            friction_to_competitors(store, persona, since=EVERY_EVENT, limit=1000))


def journey_map_answers(store: GraphStore, persona: str) -> tuple[list[JourneyStageRow], list[JourneyStageRow]]:
    return journey_map(store, persona), journey_map(store, persona, since=EVERY_EVENT)


def channel_answers(store: GraphStore) -> tuple[list[ChannelExperienceRow], list[ChannelExperienceRow]]:
    return cx_by_channel(store), cx_by_channel(store, since=EVERY_EVENT)


def paths_answers(store: GraphStore, persona: str | None,
                  limit: int = PATHS_LIMIT) -> tuple[JourneyPathsAnswer, JourneyPathsAnswer]:
    """Whole-journey paths (no matcher): every sequence up to `limit` and every transition with its median gap."""
    return (journey_paths(store, persona, limit),
            journey_paths(store, persona, limit, since=EVERY_EVENT))
