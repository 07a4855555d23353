"""Applying records in the order they came: events through the event sink, customer records (Segment identify,
alias, consent) and account memberships (Segment group) through their writers, one run of a kind at a time. The
stream worker and `dtc ingest --format segment` both apply through here.

Customer and membership writes take the writers' lock like the sink's batches (a merge moves customers and journeys
other writers may be planning on), and the survivors of an identity merge get their journeys relinked: the same
journeys the events would have given had they named the survivor from the start.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

from cypher import now_ms
from ingest.accounts import MembershipsWritten, write_memberships
from ingest.customers import CustomersWritten, write_customers
from ingest.planning import Applied
from ingest.sink import EventSink

Record = tuple[str, Any]  # (kind: event | customer | membership, the valid record)


def apply_records(sink: EventSink, records: Sequence[Record]) -> Applied:
    """Apply `records` in order; what they changed, summed."""
    total = Applied()
    for kind, run in groupby(records, key=lambda record: record[0]):
        items = [item for _, item in run]
        if kind == "event":
            total.add(sink.apply(items))
            continue
        if sink.screen is not None:
            items, suppressed = sink.screen.screen(items, lock_held=False)
            total.suppressed += suppressed
        if not items:
            continue
        with sink.lock.hold():
            written: CustomersWritten | MembershipsWritten = (
                write_customers(sink.store, items, sink.planner.secret, now_ms(), lock=None) if kind == "customer"
                else write_memberships(sink.store, items, sink.planner.secret, now_ms()))
            sink.forget()  # customers (and by a merge, journeys) changed under the caches
        total.new_customers += written.new_customers
        total.merges += len(written.survivors)
        if written.survivors:
            total.add(sink.relink(written.survivors))
    return total
