"""A customer's Timeline (docs/graph-model.md "Facts"): its events' ts and channels in order, and one property per
property value of its events, named by `position_name`, listing the positions of the events holding it. The fold
(graph.live_state.fold) keeps them in the customer's state; the Cypher of the questions that read Timelines copies
the naming rule in the fragment timeline-position-name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph.analytics.steps import MATCHER_KEYS

if TYPE_CHECKING:
    from graph.live_state.fold import CustomerState

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


class Timeline:
    """The customer's Timeline as of its first `size` events, read from its fold state only when written: a facts
    snapshot costs no copy (the state only ever appends until it is folded again from the start)."""

    __slots__ = ("size", "state")

    def __init__(self, size: int, state: CustomerState) -> None:
        self.size, self.state = size, state

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Timeline):
            return NotImplemented
        return self.size == other.size and (self.state is other.state or self.properties() == other.properties())

    __hash__ = None  # type: ignore[assignment]  # compared by content, never a key

    def properties(self) -> dict[str, list[object]]:
        """The Timeline node's properties: `ts` and `channels` ('' for none) by position in (ts, event_id) order,
        `frictions` (the codes hit, sorted), and per `position_name` the positions holding that value. Empty without
        events (no Timeline node)."""
        return self._properties(0)

    def appended_since(self, before: Timeline) -> tuple[dict[str, list[object]], list[int], list[str]] | None:
        """What the events after `before` (a snapshot of the same state, with events) changed: the properties to
        set again (the values' position lists they extend, `frictions`) and the `ts` and `channels` to append; None
        when `before` is no such snapshot."""
        if before.state is not self.state or not 0 < before.size <= self.size:
            return None
        return (self._properties(before.size), self.state.times[before.size:self.size],
                self.state.channels_in_order[before.size:self.size])

    def _properties(self, since: int) -> dict[str, list[object]]:
        """The properties holding a position >= `since` (all of them when 0), as of the snapshot's size."""
        s, size = self.state, self.size
        if size == 0:
            return {}
        out: dict[str, list[object]] = {}
        if since == 0:
            out["ts"], out["channels"] = list(s.times[:size]), list(s.channels_in_order[:size])
        for name, at in s.positions.items():
            kept = at if at[-1] < size else [p for p in at if p < size]  # cut back to the snapshot
            if kept and kept[-1] >= since:
                out[name] = list(kept)
        if since == 0 or any(name.startswith(FRICTION_PREFIX) for name in out):
            out["frictions"] = [f for f in sorted(s.frictions_hit)
                                if s.positions[position_name("friction", f)][0] < size]
        return out
