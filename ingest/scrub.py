"""Erasure outside the graph: the copies of a person's events that ingest keeps around.

- the event stream (`ingest.stream.stream_key`; events accepted but maybe not yet applied): entries are scanned with
  XRANGE and the person's are removed with XDEL;
- the dead letters (`ingest.deadletters.dead_letter_key`; entries the worker could not apply): the same, and since
  they are diagnostics like rejects rows, an entry whose event is not readable JSON also goes when its text holds
  one of the person's ids or PII values as a whole token;
- every rejects file in ingest's list of them (`ingest.batch.rejects_listing`): the person's rows are dropped (the file
  is rewritten);
- checkpoint files in ingest's checkpoint folder (`ingest.checkpoint.Checkpoints`): rows or elements holding the
  person's events are dropped, and a checkpoint that still names the person is deleted (a checkpoint only saves
  time: ingest is idempotent).

Each of those names is defined once, on the ingest side, and read from there: a rename cannot leave copies behind.

An event is the person's when its event id is one of theirs in the graph, its customer id is theirs, or one of its
identities is theirs (same keyed hash, or the same value as one of their `pii_*` properties). Text that is not
structured (a malformed row kept in a rejects file) is matched on whole tokens equal to their ids or PII values; that
may drop another person's malformed row that quotes them, which only loses a diagnostic, never data.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import redis

from graph.privacy import ErasureTargets
from graph.settings import Settings
from ingest.batch import rejects_listing
from ingest.checkpoint import Checkpoints
from ingest.deadletters import dead_letter_key
from ingest.stream import stream_key

log = logging.getLogger(__name__)

_PAGE = 1000

IdentityHasher = Callable[[str, str], str | None]  # (kind, raw value) -> "kind:hash" key, or None if unusable


@dataclass(frozen=True)
class PersonMatcher:
    """Recognises one person's events and mentions in data kept outside the graph."""

    targets: ErasureTargets
    identity_key_of: IdentityHasher | None = None

    @property
    def customer_ids(self) -> frozenset[str]:
        return self.targets.customer_ids | {self.targets.customer_id}

    def is_their_event(self, event: dict[str, Any]) -> bool:
        if str(event.get("event_id", "")) in self.targets.event_ids:
            return True
        if str(event.get("customer_id", "")) in self.customer_ids:
            return True
        identities = event.get("identities")
        if isinstance(identities, dict):
            values = {v.strip().lower() for v in self.targets.pii_values}
            for kind, raw in identities.items():
                if not isinstance(raw, str):
                    continue
                if raw.strip().lower() in values:
                    return True
                if self.identity_key_of and self.identity_key_of(str(kind), raw) in self.targets.identity_keys:
                    return True
        return False

    def mentions(self, value: Any, *, free_text: bool = True) -> bool:
        """True when `value` (parsed JSON, or text) holds one of the person's events; with `free_text`, also when
        unstructured text holds one of their ids or PII values as a whole token."""
        if isinstance(value, dict):
            if self.is_their_event(value):
                return True
            if _names_a_person(value):  # someone else's event: its free text may quote anyone
                return False
            return any(self.mentions(v, free_text=free_text) for v in value.values())
        if isinstance(value, list):
            return any(self.mentions(v, free_text=free_text) for v in value)
        if isinstance(value, str):
            parsed = _json(value)
            if parsed is not None:
                return self.mentions(parsed, free_text=free_text)
            return free_text and any(self._token(n).search(value) for n in self._needles())
        return False

    def holds_their_value(self, value: Any) -> bool:
        """True when some string in `value` is exactly one of their ids or PII values."""
        if isinstance(value, dict):
            return any(self.holds_their_value(v) for v in value.values())
        if isinstance(value, list):
            return any(self.holds_their_value(v) for v in value)
        needles = {n.strip().lower() for n in self.customer_ids | self.targets.pii_values}
        return isinstance(value, str) and value.strip().lower() in needles

    def _needles(self) -> list[str]:
        return sorted(n for n in self.customer_ids | self.targets.pii_values if len(n) >= 3)

    @staticmethod
    def _token(needle: str) -> re.Pattern[str]:
        return re.compile(r"(?<![\w@.+-])" + re.escape(needle) + r"(?![\w@+-]|\.\w)", re.IGNORECASE)


class ScrubReport(NamedTuple):
    """What erasure removed outside the graph, counted per place (the `elsewhere` part of an erasure's report)."""

    stream_entries_deleted: int = 0
    reject_rows_removed: int = 0
    checkpoint_files_changed: int = 0
    dead_letters_deleted: int = 0

    def as_counts(self) -> dict[str, int]:
        return {"streamEntriesDeleted": self.stream_entries_deleted, "rejectRowsRemoved": self.reject_rows_removed,
                "checkpointFilesChanged": self.checkpoint_files_changed,
                "deadLettersDeleted": self.dead_letters_deleted}


def scrub_outside_graph(settings: Settings, redis_url: str | None, matcher: PersonMatcher) -> ScrubReport:
    """Remove the person's events from the stream, its dead letters, the rejects files and the checkpoints."""
    rows_removed = 0
    for path in rejects_files(settings):
        removed = scrub_lines(path, matcher)
        if removed:
            rows_removed += len(removed)
            _shift_rejects_sizes(checkpoint_files(settings), path, removed)
    return ScrubReport(
        stream_entries_deleted=scrub_stream(redis_url, stream_key(settings.graph_name), matcher),
        reject_rows_removed=rows_removed,
        checkpoint_files_changed=sum(scrub_checkpoint(path, matcher) for path in checkpoint_files(settings)),
        dead_letters_deleted=scrub_stream(redis_url, dead_letter_key(settings.graph_name), matcher, free_text=True),
    )


# -- the stream ------------------------------------------------------------------------------------------------
def scrub_stream(redis_url: str | None, key: str, matcher: PersonMatcher, *, free_text: bool = False) -> int:
    """XDEL every entry of the stream `key` that carries one of the person's events (with `free_text`, also one whose
    unstructured text names them: PersonMatcher.mentions); returns how many."""
    if not redis_url:
        return 0
    connection = redis.Redis.from_url(redis_url, socket_connect_timeout=5)
    try:
        if not connection.exists(key):
            return 0
        doomed: list[str] = []
        start = "-"
        while True:
            page: list[tuple[Any, Any]] = connection.xrange(key, min=start, max="+", count=_PAGE) or []
            for entry_id, fields in page:
                # on the event stream, structured matches only: another person's event quoting her name must stay
                if matcher.mentions(_decoded(fields or {}), free_text=free_text):
                    doomed.append(_text(entry_id))
            if len(page) < _PAGE:
                break
            start = "(" + _text(page[-1][0])
        for i in range(0, len(doomed), _PAGE):
            connection.xdel(key, *doomed[i:i + _PAGE])
        if doomed:
            log.info("removed %d entries from %s", len(doomed), key)
        return len(doomed)
    finally:
        connection.close()


def _decoded(fields: dict[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in fields.items():
        text = _text(v)
        parsed = _json(text)
        out[_text(k)] = text if parsed is None else parsed
    return out


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


# -- files -----------------------------------------------------------------------------------------------------
def rejects_files(settings: Settings) -> list[Path]:
    """The rejects files ingest recorded in its list that still exist."""
    listing = rejects_listing(settings.state_dir)
    try:
        lines = listing.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [p for p in dict.fromkeys(Path(line.strip()) for line in lines if line.strip()) if p.is_file()]


def checkpoint_files(settings: Settings) -> list[Path]:
    folder = Checkpoints(settings).dir
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def scrub_lines(path: Path, matcher: PersonMatcher) -> list[tuple[int, int]]:
    """Drop the lines of a line-oriented file (JSONL, CSV, text) that hold the person; returns the (byte offset,
    byte length) each dropped line had."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    kept: list[str] = []
    removed: list[tuple[int, int]] = []
    offset = 0
    for line in lines:
        size = len(line.encode("utf-8"))
        if matcher.mentions(line.strip()):
            removed.append((offset, size))
        else:
            kept.append(line)
        offset += size
    if removed:
        _rewrite(path, "".join(kept))
    return removed


def _shift_rejects_sizes(checkpoints: list[Path], rejects: Path, removed: list[tuple[int, int]]) -> None:
    """An ingest checkpoint vouches for the first `rejects_size` bytes of its rejects file (a resumed run cuts the
    file back to them): after rows were dropped, that boundary moves back by the bytes dropped before it."""
    for path in checkpoints:
        document = _json(path.read_text(encoding="utf-8", errors="replace"))
        if not isinstance(document, dict) or document.get("rejects_path") != str(rejects):
            continue
        size = document.get("rejects_size")
        if isinstance(size, int):
            document["rejects_size"] = size - sum(length for start, length in removed if start + length <= size)
            _rewrite(path, json.dumps(document))


def scrub_checkpoint(path: Path, matcher: PersonMatcher) -> int:
    """Clean one checkpoint file; returns 1 when it changed (or was deleted), else 0."""
    text = path.read_text(encoding="utf-8", errors="replace")
    document = _json(text)
    if document is None:
        return 1 if scrub_lines(path, matcher) else 0
    if not matcher.mentions(document):
        return 0
    cleaned = _without_their_events(document, matcher)
    if cleaned is None or matcher.holds_their_value(cleaned):
        path.unlink()
        return 1
    _rewrite(path, json.dumps(cleaned))
    return 1


def _without_their_events(value: Any, matcher: PersonMatcher) -> Any:
    """`value` without the list elements and map entries that hold the person's events (None if it is one)."""
    if isinstance(value, dict):
        if matcher.is_their_event(value):
            return None
        return {k: c for k, v in value.items() if (c := _without_their_events(v, matcher)) is not None or v is None}
    if isinstance(value, list):
        return [c for v in value if (c := _without_their_events(v, matcher)) is not None or v is None]
    return value


def _names_a_person(value: dict[str, Any]) -> bool:
    return "customer_id" in value or "identities" in value


def _rewrite(path: Path, text: str) -> None:
    """Replace a file's content atomically, keeping its permissions."""
    mode = path.stat().st_mode & 0o777
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _json(text: str) -> Any:
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return None
    try:
        return json.loads(stripped)
    except json.JSONDecodeError:
        return None

