"""The repair path: every write that changes customers' inputs other than an in-order append goes through `repair`.

    repair(store, ["k001", "k002"], lambda: store.run("personas-open", ...), lock=writer_lock(store, settings))

Under the writers' lock it reads the customers' inputs and folds them (their old contribution), records that in a
`StateRepair` node, makes the change, folds the inputs again and writes the difference with the rewritten facts and
the node's deletion in one query (`live-repair-finish`). A crash between the change and that query leaves the node;
`finish_pending` (run by the next repair, the next ingest job and `dtc verify --repair`) replaces the recorded
contribution by the customers' contribution as they are then, which is right whether the change happened or not.
The ids must name every customer whose inputs the change touches, before and after (both sides of a merge, an
anonymisation's pseudonym).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from cypher import now_ms
from graph.live_state.fold import Contribution, CustomerInputs, Facts, Span, StateEvent, fold
from graph.live_state.writes import add_into, difference, state_params
from graph.store import GraphStore, batched
from graph.writer_lock import WriterLock

T = TypeVar("T")
CHUNK = 500  # customers per read and per finishing query


def read_inputs(store: GraphStore, customer_ids: Sequence[str]) -> dict[str, CustomerInputs]:
    """The inputs of these customers as the graph holds them (customers it lacks are left out)."""
    found: dict[str, CustomerInputs] = {}
    for chunk in batched(sorted(set(customer_ids)), CHUNK):
        for row in store.run("live-inputs", {"ids": chunk}):
            events = sorted((_event(r) for r in row["events"]), key=lambda e: e.order)
            spans = tuple(Span(str(s[0]), s[1], s[2], s[3]) for s in row["spans"])
            found[row["id"]] = CustomerInputs(row["id"], events, spans, bool(row["refused"]))
    return found


def _event(r: Sequence[Any]) -> StateEvent:
    return StateEvent(id=r[0], ts=int(r[1]), type=r[2], touchpoint=r[3], channel=r[4], journey_id=r[5], stage=r[6],
                      outcome=r[7], experience=r[8], csat=r[9], ces=r[10], nps=r[11], frictions=tuple(r[12] or ()),
                      competitor=r[13], trigger=r[14])


def contributions(inputs: Mapping[str, CustomerInputs]) -> tuple[Contribution, dict[str, Facts]]:
    """The summed contribution and each customer's facts."""
    total: Contribution = {}
    facts: dict[str, Facts] = {}
    for cid, customer in inputs.items():
        state, contribution = fold(customer)
        add_into(total, contribution)
        facts[cid] = state.facts()
    return total, facts


def repair(store: GraphStore, customer_ids: Collection[str], change: Callable[[], T], *,
           lock: WriterLock | None) -> T:
    """Make `change` (a write of these customers' inputs) and keep the live state exact. `lock`: the writers' lock
    to hold meanwhile; None when the caller holds it already."""
    if lock is None:
        return _repair(store, customer_ids, change)
    with lock.hold():
        return _repair(store, customer_ids, change)


def _repair(store: GraphStore, customer_ids: Collection[str], change: Callable[[], T]) -> T:
    finish_pending(store)
    started = [start(store, chunk) for chunk in batched(sorted(set(customer_ids)), CHUNK)]
    result = change()
    for begun in started:
        finish(store, begun)
    return result


@dataclass(frozen=True)
class Started:
    """A repair recorded in the graph (a StateRepair node), before its change."""

    id: str
    customers: list[str]
    contribution: Contribution  # theirs before the change
    facts: dict[str, Facts] | None  # theirs before the change (None: unknown, after a crash)


def start(store: GraphStore, customers: Sequence[str]) -> Started:
    """Record the customers' contribution before a change of their inputs (read from the graph as it is)."""
    old, facts = contributions(read_inputs(store, customers))
    begun = Started(uuid.uuid4().hex, sorted(set(customers)), old, facts)
    store.run("live-repair-start", {"id": begun.id, "customers": begun.customers,
                                    "contribution": _dumps(old), "ts": now_ms()})
    return begun


def finish(store: GraphStore, begun: Started) -> None:
    """Replace the recorded contribution by the customers' contribution now, rewrite their facts, in one query."""
    new, facts = contributions(read_inputs(store, begun.customers))
    # customers the graph no longer has (erased, merged away) lost their facts with their node
    store.run("live-repair-finish", {"id": begun.id, **state_params(difference(new, begun.contribution), facts,
                                                                     begun.facts)}, bulk=True)


def finish_pending(store: GraphStore) -> int:
    """Finish the repairs a crash left; how many there were."""
    pending = store.run("live-repairs-pending")
    for row in pending:
        finish(store, Started(row["id"], list(row["customers"]), _loads(row["contribution"]), None))
    return len(pending)


def _dumps(contribution: Contribution) -> str:
    return json.dumps([[kind, list(ident), name, amount] for (kind, ident, name), amount in contribution.items()],
                      ensure_ascii=False, separators=(",", ":"))


def _loads(text: str) -> Contribution:
    return {(kind, tuple(tuple(v) if isinstance(v, list) else v for v in ident), name): amount
            for kind, ident, name, amount in json.loads(text)}


def rebuild(store: GraphStore) -> int:
    """Recompute the whole live state from the inputs (a twin ingested before it kept one, or after `dtc verify`
    found differences); how many customers were folded. Holds the store for one query per chunk."""
    finish_pending(store)
    while store.run("live-clear-some")[0]["n"]:
        pass
    ids = [str(r["id"]) for r in store.run("live-customer-ids")]
    for chunk in batched(ids, CHUNK):
        finish(store, Started("", chunk, {}, None))
    return len(ids)
