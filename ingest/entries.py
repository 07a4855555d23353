"""The kinds of entry the event stream carries, each a field named after its kind holding the record as contract JSON:
`event` (POST /events, recordEvent, Segment track/page/screen), `customer` (Segment identify, alias, consent) and
`membership` (Segment group). The worker and the dead letters read an entry by the validator of its kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ingest.accounts import validate_membership
from ingest.contracts import validate_customer, validate_event

VALIDATORS: dict[str, Callable[[Any], tuple[Any, list[str]]]] = {
    "event": validate_event,
    "customer": lambda obj: validate_customer(obj, anonymous=True),
    "membership": validate_membership,
}
ENTRY_KINDS = tuple(VALIDATORS)


def entry_kind(fields: Mapping[str, Any]) -> str:
    """The kind of an entry from its fields (an entry with none of them is read as an event, and refused as one)."""
    return next((kind for kind in ENTRY_KINDS if kind in fields), "event")
