"""Segment messages at the door (`/v1/*` through graph.doors.EventIntake.accept_messages): mapped to the twin's
records (ingest.segment), validated as the worker validates them, screened against the suppression list, and queued
on the event stream all or none, in message order. A message whose records cannot all be applied is refused whole,
with its messageId and the reason."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graph.doors import MAX_ERRORS, SegmentReport
from ingest.segment import Record, SegmentReject, map_message, validate_records
from ingest.segment_mapping import SegmentMapping
from ingest.stream import EventStream
from ingest.suppression import Screen


def queue_messages(messages: Sequence[object], arrival_ms: int, sent_at: object, mapping: SegmentMapping,
                   stream: EventStream, screen: Screen | None = None) -> SegmentReport:
    """Map, validate and queue a batch of messages; what is refused comes back with its reason."""
    report = SegmentReport()
    readable: list[list[Record]] = []
    for message in messages:
        mapped = map_message(message, arrival_ms=arrival_ms, sent_at=sent_at, mapping=mapping)
        if isinstance(mapped, SegmentReject):
            _refuse(report, mapped.message_id, mapped.reason)
            continue
        records, errors = validate_records(mapped)
        if errors:
            _refuse(report, mapped.message_id, "; ".join(errors))
        else:
            readable.append(records)
    if screen is not None and readable:
        kept, report.suppressed = screen.screen([_Who(records) for records in readable], lock_held=False)
        readable = [who.records for who in kept]
    if readable:
        stream.append_records([(kind, payload) for records in readable for kind, _, payload in records])
    report.accepted = len(readable)
    return report


def _refuse(report: SegmentReport, message_id: str | None, reason: str) -> None:
    report.refused += 1
    if len(report.rejected) < MAX_ERRORS:
        report.rejected.append({"messageId": message_id, "reason": reason})


class _Who:
    """The person a message is about, as the suppression screen reads it (its first record names them)."""

    def __init__(self, records: list[Record]) -> None:
        self.records = records
        first: Any = records[0][1]
        self.customer_id: str | None = first.customer_id
        self.identities = dict(first.identities)
