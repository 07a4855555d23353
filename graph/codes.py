"""Catalog codes people type (a persona, a friction, a touchpoint, …): an unknown one is an error that names the
closest known codes, never an empty answer that looks like "nothing happened".

    require_known(store, Label.PERSONA, "trend-seekr")
    # UnknownCodeError: There is no persona 'trend-seekr'; the closest known: trend-seeker.

Callers check after an empty answer, so a known code costs nothing extra.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from graph.errors import InputError
from graph.ontology import NODE_TYPES, Label
from graph.reads import NODES_BY_KEY
from graph.store import GraphStore

CATALOG_LABELS: tuple[Label, ...] = (Label.PERSONA, Label.CHANNEL, Label.TOUCHPOINT, Label.STAGE,
                                     Label.FRICTION_POINT, Label.TRIGGER_EVENT, Label.ACTION, Label.COMPETITOR,
                                     Label.STAKEHOLDER, Label.PRODUCT)
CODE_KEYS: dict[Label, str] = {t.label: t.key for t in NODE_TYPES if t.label in CATALOG_LABELS and t.key}
SUGGESTIONS = 3
LISTED = 10  # without a close match, the message lists this many known codes

# every code of a label, for the suggestions
ALL_CODES: dict[Label, str] = {
    Label.PERSONA: "persona-codes", Label.CHANNEL: "channel-codes", Label.TOUCHPOINT: "touchpoint-codes",
    Label.STAGE: "stage-codes", Label.FRICTION_POINT: "friction-codes", Label.TRIGGER_EVENT: "trigger-event-codes",
    Label.ACTION: "action-codes", Label.COMPETITOR: "competitor-codes", Label.STAKEHOLDER: "stakeholder-codes",
    Label.PRODUCT: "product-codes",
}


class UnknownCodeError(InputError):
    """A code names no node of its kind; the message offers the closest known codes."""

    def __init__(self, label: Label, code: str, closest: list[str], known: list[str]) -> None:
        noun = kind_of(label)
        if closest:
            hint = f"the closest known: {', '.join(closest)}."
        elif known:
            more = f" and {len(known) - LISTED} more" if len(known) > LISTED else ""
            hint = f"known ones: {', '.join(known[:LISTED])}{more}."
        else:
            hint = f"the twin has no {noun} yet (load a catalog with `dtc ingest --catalog FILE`)."
        super().__init__(f"There is no {noun} {code!r}; {hint}")
        self.label, self.code, self.closest = label, code, closest


def kind_of(label: Label) -> str:
    """`FrictionPoint` -> `friction point`."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", label.value).lower()


def closest_codes(code: str, known: Iterable[str], n: int = SUGGESTIONS) -> list[str]:
    """The known codes most like `code` (difflib's ratio, case ignored), best first."""
    by_folded: dict[str, str] = {}
    for k in known:
        by_folded.setdefault(k.lower(), k)
    return [by_folded[m] for m in difflib.get_close_matches(code.lower(), list(by_folded), n=n, cutoff=0.6)]


def require_known(store: GraphStore, label: Label, code: str | None) -> None:
    """Nothing when `code` is None or names a node of `label`; else an UnknownCodeError with the closest codes."""
    if code is None:
        return
    if label not in CODE_KEYS:
        raise ValueError(f"{label.value} has no catalog code")
    if store.run(NODES_BY_KEY[label], {"keys": [code]}):
        return
    known = [str(r["code"]) for r in store.run(ALL_CODES[label]) if r["code"] is not None]
    raise UnknownCodeError(label, code, closest_codes(code, known), known)
