"""Rules for profile updates that arrive as a stream of dated messages (Segment identify and group calls, consent in
a message's context), so the same messages in any order give the same profile. Pure: no I/O.

- Traits: each trait keeps the value of the latest message that set it (by the message's ts; at equal ts the larger
  value, compared as JSON text, so the choice never depends on the order of arrival). The time each trait was set is
  kept beside the values (`trait_ts`, trait name -> epoch ms: names and times only, no personal data).
- Consent: a decision is recorded only when it differs from the decision in force at its time, i.e. the latest one
  at or before it, by the rule every consent reader uses (graph.privacy: the largest ts wins, an undated decision is
  older than any dated one, and at equal ts a refusal wins). A repeated decision adds no history. The decision in
  force at any time is then the same whatever the order of arrival, except when a change arrives after a repeat of
  the earlier decision that was dated later than the change: the repeat was not kept, so the change then holds
  until the next recorded decision (messages in time order, as SDKs and exports send them, are exact).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

UNDATED = -1  # an undated decision sorts before every dated one (graph.privacy.UNDATED)


def overlay_traits(values: Mapping[str, Any], times: Mapping[str, int], incoming: Mapping[str, Any],
                   ts: int) -> tuple[dict[str, Any], dict[str, int], bool]:
    """(values, times, changed) after a message at `ts` set `incoming`: a trait set later keeps its value."""
    merged, stamped, changed = dict(values), dict(times), False
    for name, value in incoming.items():
        held = stamped.get(name)
        if held is not None and (held > ts or (held == ts and _order(merged.get(name)) >= _order(value))):
            continue
        if merged.get(name) != value or held != ts:
            changed = True
        merged[name], stamped[name] = value, ts
    return merged, stamped, changed


def _order(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


@dataclass(frozen=True, slots=True)
class Decision:
    purpose: str
    granted: bool
    ts: int | None


def in_force(history: Iterable[Decision], purpose: str, at: int) -> bool | None:
    """The decision for `purpose` in force at `at` (the latest at or before it), None when there is none."""
    best: tuple[int, bool] | None = None
    for d in history:
        if d.purpose != purpose or (d.ts is not None and d.ts > at):
            continue
        key = (d.ts if d.ts is not None else UNDATED, not d.granted)  # at equal ts a refusal wins
        if best is None or key > best:
            best = key
    return None if best is None else not best[1]


def consent_changes(history: Iterable[Decision], claims: Iterable[Decision]) -> list[Decision]:
    """The claims worth recording, in time order: each differs from the decision in force at its ts (counting the
    claims recorded before it)."""
    known = list(history)
    recorded: list[Decision] = []
    for claim in sorted(claims, key=lambda d: (d.ts if d.ts is not None else UNDATED, d.purpose, d.granted)):
        if claim.ts is None or in_force(known, claim.purpose, claim.ts) == claim.granted:
            continue
        known.append(claim)
        recorded.append(claim)
    return recorded
