"""The names of a customer's Timeline properties (docs/graph-model.md "Facts"): one per property value of its events,
listing the positions of the events holding it. The fold (graph.live_state.fold) makes them; the Cypher of the questions
that read Timelines copies the rule in the fragment timeline-position-name."""

from __future__ import annotations

from graph.analytics.steps import MATCHER_KEYS

FRICTION_PREFIX = "friction="  # the Timeline properties of friction codes (position_name("friction", code))


def position_name(key: str, value: str) -> str:
    """The Timeline property listing the positions of the events whose `key` is `value`: key=value, with `%` and
    the backtick (FalkorDB holds no backtick in a parameter's map key) written %25 and %60, so no two values share
    a name. The Cypher of the questions that read Timelines copies the fragment timeline-position-name, the same
    rule. Names are shared: every customer's Timeline holding a value refers to the one string (up to
    `_MAX_SHARED_NAMES` values per key; a name past them is made again each time, the same text)."""
    names = _SHARED_NAMES.get(key)
    if names is None:
        names = _SHARED_NAMES.setdefault(key, {})
    name = names.get(value)
    if name is None:
        name = f"{key}={value.replace('%', '%25').replace('`', '%60')}"
        if len(names) < _MAX_SHARED_NAMES:
            names[value] = name
    return name


_SHARED_NAMES: dict[str, dict[str, str]] = {}  # key -> value -> position name
_MAX_SHARED_NAMES = 100_000


def event_position_names(values: tuple[str | None, ...]) -> tuple[str, ...]:
    """The position names of an event's (touchpoint, type, stage, channel, outcome), in MATCHER_KEYS' order, None
    left out; remembered for up to `_MAX_SHARED_NAMES` combinations (a batch repeats few)."""
    names = _NAMES_OF_VALUES.get(values)
    if names is None:
        names = tuple(position_name(key, v) for key, v in zip(MATCHER_KEYS, values, strict=True) if v is not None)
        if len(_NAMES_OF_VALUES) < _MAX_SHARED_NAMES:
            _NAMES_OF_VALUES[values] = names
    return names


_NAMES_OF_VALUES: dict[tuple[str | None, ...], tuple[str, ...]] = {}  # an event's values -> their names
