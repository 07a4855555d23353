"""The dead letters: stream entries the worker could not apply after MAX_DELIVERIES deliveries, kept with why.

    STREAM  dtc:deadletters:<graph_name>   the entry's own fields (`event`, or from Segment messages `customer` or
                                           `membership`: the record as contract JSON, ingest/entries.py), plus
                                           `reason` (a coded reason, ingest/reasons.py), `entry_id` (its id in the
                                           event stream) and `deliveries`

An entry the worker cannot apply (the validation refuses it, or the store refuses to write it) stays pending and is
delivered again; at its third failed delivery it moves here (XADD here, XACK and XDEL there, in one MULTI), so the
entries behind it are applied and no worker stalls on it. `dtc deadletters list|replay|drop` manages them: a replay
puts an entry back on the event stream once it passes validation and the suppression list (the events of erased
people are dropped, never replayed); a drop deletes it. Dead letters hold personal data: erasure scrubs them by this
module's name for the stream (`dead_letter_key`), as it scrubs the event stream.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.settings import Settings
from graph.store import GraphStore
from ingest.entries import VALIDATORS, entry_kind
from ingest.suppression import Screen

MAX_DELIVERIES = 3  # failed deliveries of an entry before it is a dead letter
DEAD_LETTER_PREFIX = "dtc:deadletters:"
_PAGE = 1000


def dead_letter_key(graph_name: str) -> str:
    """The dead-letter stream of one graph (erasure scrubs it by this name too)."""
    return f"{DEAD_LETTER_PREFIX}{graph_name}"


@dataclass(frozen=True)
class DeadLetter:
    """One dead letter: its id here, the entry's id in the event stream, why it failed, and the entry's fields."""

    id: str
    entry_id: str
    reason: str
    deliveries: int
    fields: dict[str, str]

    @property
    def kind(self) -> str:
        """What it carries: an event, or a Segment message's customer record or membership (ingest/entries.py)."""
        return entry_kind(self.fields)

    @property
    def record(self) -> dict[str, Any] | None:
        """The record it carries as JSON, or None when it carries none that parses."""
        try:
            value = json.loads(self.fields.get(self.kind, ""))
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    @property
    def event(self) -> dict[str, Any] | None:
        """The event it carries as JSON (None for another kind of record, or one that does not parse)."""
        return self.record if self.kind == "event" else None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "entry_id": self.entry_id, "reason": self.reason, "deliveries": self.deliveries,
                "kind": self.kind, self.kind: self.record if self.record is not None else self.fields.get(self.kind)}


@dataclass
class ReplayReport:
    replayed: int = 0
    suppressed: int = 0  # records of people on the suppression list: dropped from the dead letters, not replayed
    still_invalid: list[tuple[str, list[str]]] = field(default_factory=list)  # (id, reasons): kept here
    missing: list[str] = field(default_factory=list)  # ids asked for that are not dead letters

    def summary(self) -> str:
        kept = f", kept {len(self.still_invalid)} that are still invalid" if self.still_invalid else ""
        missing = f"; no dead letter {', '.join(self.missing)}" if self.missing else ""
        return f"deadletters: replayed {self.replayed}, suppressed {self.suppressed}{kept}{missing}"


class DeadLetters:
    """The dead letters of one graph, beside its event stream (`client` is the stream's Redis)."""

    def __init__(self, client: Any, graph_name: str, stream_key: str) -> None:
        self.client = client
        self.key = dead_letter_key(graph_name)
        self.stream_key = stream_key

    def count(self) -> int:
        return int(self.client.xlen(self.key))

    def list(self, ids: Sequence[str] = (), limit: int | None = None) -> list[DeadLetter]:
        """The dead letters named (all of them, oldest first, when `ids` is empty; at most `limit`)."""
        if ids:
            found = (self._one(i) for i in ids)
            return [letter for letter in found if letter is not None][:limit]
        letters: list[DeadLetter] = []
        start = "-"
        while limit is None or len(letters) < limit:
            page: list[tuple[Any, Any]] = self.client.xrange(self.key, min=start, max="+", count=_PAGE) or []
            letters += [_letter(i, f) for i, f in page]
            if len(page) < _PAGE:
                break
            start = "(" + _text(page[-1][0])
        return letters[:limit]

    def drop(self, ids: Sequence[str]) -> int:
        """Delete these dead letters; how many there were."""
        return int(self.client.xdel(self.key, *ids)) if ids else 0

    def replay(self, store: GraphStore, settings: Settings, ids: Sequence[str] = ()) -> ReplayReport:
        """Put dead letters back on the event stream (all, or the ones named), each once it passes validation (else
        it stays, with its reasons) and the suppression list (else it is dropped)."""
        letters = self.list(ids)
        report = ReplayReport(missing=[i for i in ids if i not in {letter.id for letter in letters}])
        valid: list[tuple[DeadLetter, Any]] = []  # with its record: an Event, CustomerRecord or Membership
        for letter in letters:
            record, errors = VALIDATORS[letter.kind](letter.record) if letter.record is not None else (
                None, [letter.reason])
            if record is None:
                report.still_invalid.append((letter.id, errors))
            else:
                valid.append((letter, record))
        kept, report.suppressed = Screen(store, settings).screen([record for _, record in valid], lock_held=False)
        replayed = {id(record) for record in kept}
        pipe = self.client.pipeline(transaction=True)
        for letter, record in valid:
            if id(record) in replayed:
                pipe.xadd(self.stream_key, dict[Any, Any](letter.fields))
            pipe.xdel(self.key, letter.id)
        pipe.execute()
        report.replayed = len(kept)
        return report

    def _one(self, letter_id: str) -> DeadLetter | None:
        page: list[tuple[Any, Any]] = self.client.xrange(self.key, min=letter_id, max=letter_id, count=1) or []
        return _letter(*page[0]) if page else None


def buried_fields(fields: dict[str, Any], entry_id: str, reason: str, deliveries: int) -> dict[Any, Any]:
    """The fields of the dead letter of a stream entry (see the module docstring)."""
    return {**fields, "reason": reason, "entry_id": entry_id, "deliveries": str(deliveries)}


_OWN_FIELDS = ("reason", "entry_id", "deliveries")


def _letter(letter_id: Any, raw: dict[Any, Any]) -> DeadLetter:
    fields = {_text(k): _text(v) for k, v in (raw or {}).items()}
    own = {name: fields.pop(name, "") for name in _OWN_FIELDS}
    return DeadLetter(_text(letter_id), own["entry_id"], own["reason"], int(own["deliveries"] or 0), fields)


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
