"""The doors: what the API asks of the ingest side, as small protocols (the port), so the layers read
api -> graph <- ingest.

`ingest/doors.py` implements them (`open_doors`); the composition root (`dtc serve`, `dtc demo`, the test fixtures)
hands that to `api.app.create_app`, which opens the doors once the store is open.

- `EventIntake`: validate events and queue them on the event stream, which a worker (`dtc worker`) applies. It is the
  one way events come in over the API (`POST /events`, `recordEvent`, and Segment messages on `/v1/*`), and its
  validation is the worker's, so what it accepts is applied (unless the person is erased meanwhile: the suppression
  list wins).
- `Erasure`: erase or anonymize a person in the graph and wherever ingest keeps copies (stream, rejects, checkpoints).
- `LiveFeed`: the interactions applied from now on (GraphQL subscriptions).
- `Doors.subject_key`: the secret that names customers in the audit trail (`graph.privacy.customer_ref`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from graph.privacy import ErasureResult
from graph.settings import Settings
from graph.store import GraphStore

MAX_ERRORS = 100  # rows with their reasons listed in one answer; the others are only counted


@dataclass
class IntakeReport:
    """What a door did with a batch: events queued, rows refused (with reasons), events of erased people dropped."""

    accepted: int = 0
    rejected: int = 0
    suppressed: int = 0  # valid events of people on the suppression list (erased): dropped, never queued
    errors: list[dict[str, Any]] = field(default_factory=list)  # {"row", "event_id", "errors"}, at most MAX_ERRORS

    def to_json(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "rejected": self.rejected, "suppressed": self.suppressed,
                "errors": self.errors}


class EventIntake(Protocol):
    """Validate events and queue the valid ones on the event stream, all or none. A stream or store that does not
    answer raises StoreUnavailableError (nothing was queued, or all of it: a retry is safe, events apply once per
    event_id); a missing stream setting raises ConfigError."""

    def accept(self, rows: Sequence[object]) -> IntakeReport:
        """Rows as the event contract's JSON objects (row numbers count from 1)."""
        ...

    def accept_body(self, body: bytes, content_type: str) -> IntakeReport:
        """A request body: a JSON object, a JSON array or JSON lines; MalformedJSONError when the body is JSON the
        twin will not read (graph.strict_json)."""
        ...

    def dead_letters(self) -> int | None:
        """How many stream entries wait in the dead letters (the worker could not apply them: `dtc deadletters`);
        None when the stream cannot be asked (no stream configured, or it does not answer)."""
        ...

    def accept_messages(self, messages: Sequence[object], arrival_ms: int, sent_at: object) -> SegmentReport:
        """Segment Spec messages (track, page, screen, identify, group, alias) that arrived at `arrival_ms` in a
        batch sent at `sent_at` (its envelope's sentAt, or None), mapped to the twin's records (ingest.segment) and
        queued like events, all or none."""
        ...


@dataclass
class SegmentReport:
    """What the door did with a batch of Segment messages: messages queued, messages refused with their reason
    ({"messageId", "reason"}, at most MAX_ERRORS listed), messages of erased people dropped."""

    accepted: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    refused: int = 0  # all the refused messages, listed or not
    suppressed: int = 0


class Erasure(Protocol):
    def erase(self, customer_id: str, mode: str, *, actor: str) -> ErasureResult:
        """Erase (ERASE) or anonymize (ANONYMIZE) one customer everywhere the twin keeps them, audited, durable and on
        the suppression list before it returns; idempotent."""
        ...


class LiveFeed(Protocol):
    def listen(self) -> AbstractAsyncContextManager[AsyncIterator[dict[str, Any]]]:
        """Once entered, every interaction applied from then on: {id, customer_id, touchpoint, type, ts, frictions}.
        ConfigError when there is nothing to listen on."""
        ...


@dataclass(frozen=True)
class Doors:
    intake: EventIntake
    erasure: Erasure
    live: LiveFeed
    subject_key: Callable[[], bytes]  # graph.keys.identity_key: read once, then remembered


# (the open store, the settings, how long a door waits for a stalled stream or store before it gives up, in seconds)
OpenDoors = Callable[[GraphStore, Settings, float | None], Doors]
