"""Step matchers, the one rule funnels, retention and paths use to pick events, and the ranges of their arguments.

A step matcher is a non-empty map whose keys are among touchpoint, type, stage, channel and outcome; an event
matches when, for every given key, the interaction's stored property is not null and equals the value
(case-sensitive). The named queries apply the match; this module checks what callers give them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph.errors import InputError

MATCHER_KEYS: tuple[str, ...] = ("touchpoint", "type", "stage", "channel", "outcome")
# the ranges of the questions' arguments (inclusive), shared with the API's table of argument ranges
FUNNEL_STEPS = (2, 10)
WINDOW_DAYS = (0, 365)
PERIODS = (1, 52)
PATH_STEPS = (2, 10)
ROWS = (1, 100)  # `limit` of funnel (frictions per step) and journeyPaths (sequences)


def step_matcher(value: Mapping[str, Any] | None, argument: str) -> dict[str, str]:
    """`value` as a matcher holding only its given keys (a null value counts as absent: the queries test each key of
    the map they get). Raises InputError naming `argument` for an empty map or an unknown key."""
    given = {k: v for k, v in (value or {}).items() if v is not None}
    unknown = sorted(set(given) - set(MATCHER_KEYS))
    if unknown:
        raise InputError(f"{argument}: {', '.join(unknown)} is not a step matcher key; use "
                         f"{', '.join(MATCHER_KEYS)}.")
    if not given:
        raise InputError(f"{argument}: a step matcher needs at least one of {', '.join(MATCHER_KEYS)}, e.g. "
                         "{touchpoint: \"checkout\"}.")
    for key, v in given.items():
        if not isinstance(v, str):
            raise InputError(f"{argument}.{key}: {v!r} is not a string; give a code such as \"checkout\".")
    return given


def in_range(argument: str, value: int, bounds: tuple[int, int]) -> int:
    """`value` when it lies in the inclusive `bounds`; otherwise an InputError that names the argument and the range."""
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"{argument}: {value!r} is out of range; give {low} to {high}.")
    return value
