"""What planning a write needs to know about the graph, read in chunks: which events are new, customers and their
identities, journey tails and histories. Used by the event sink and the customer-file upsert; each function answers
a whole list of keys with one query per `READ_CHUNK` of them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from graph.store import GraphStore
from ingest.linking import Point, Tail

READ_CHUNK = 5000


def chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), READ_CHUNK):
        yield items[start:start + READ_CHUNK]


def new_or_unlinked(store: GraphStore, ids: Sequence[str]) -> tuple[set[str], set[str]]:
    """(ids not in the graph yet, customers holding one of the others without a journey)."""
    new: set[str] = set()
    unlinked: set[str] = set()
    for chunk in chunks(ids):
        for row in store.run("ingest-new-or-unlinked", {"ids": list(chunk)}):
            new.update(x for x in row["new"] if x is not None)
            unlinked.update(x for x in row["unlinked"] if x is not None)
    return new, unlinked


def event_exists(store: GraphStore, event_id: str) -> bool:
    new, _ = new_or_unlinked(store, [event_id])
    return not new


@dataclass(frozen=True, slots=True)
class KnownCustomer:
    merged_into: str | None
    identity_kinds: tuple[str, ...]


def known_customers(store: GraphStore, ids: Sequence[str]) -> dict[str, KnownCustomer]:
    found: dict[str, KnownCustomer] = {}
    for chunk in chunks(ids):
        for row in store.run("ingest-customers", {"ids": list(chunk)}):
            found[row["cid"]] = KnownCustomer(row["merged_into"], tuple(k for k in row["kinds"] if k))
    return found


def identity_owners(store: GraphStore, keys: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for chunk in chunks(keys):
        for row in store.run("ingest-identity-owners", {"keys": list(chunk)}):
            found[row["key"]] = row["cid"]
    return found


def customer_journeys(store: GraphStore, customer_ids: Sequence[str]) -> dict[str, tuple[bool, str | None]]:
    """customer -> (whether all its journeys carry its own id, its newest session-less journey) for the customers
    that have journeys."""
    found: dict[str, tuple[bool, str | None]] = {}
    for chunk in chunks(customer_ids):
        for row in store.run("ingest-tracks", {"ids": list(chunk)}):
            found[row["cid"]] = (bool(row["clean"]), row["gap_jid"])
    return found


def journey_tails(store: GraphStore, journey_ids: Sequence[str]) -> dict[str, Tail]:
    found: dict[str, Tail] = {}
    for chunk in chunks(journey_ids):
        for row in store.run("ingest-journey-tails", {"ids": list(chunk)}):
            found[row["jid"]] = Tail(row["jid"], int(row["start_ts"]), int(row["size"]),
                                     Point(int(row["last_ts"]), row["last_id"]))
    return found


def recent_interactions(store: GraphStore, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """For rows {cid, from_ts}: the session-less journeys and loose interactions of each customer from then on."""
    return [row for chunk in chunks(rows) for row in store.run("ingest-recent-journeys", {"rows": list(chunk)})]


def journey_members(store: GraphStore, journey_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The interactions of these journeys: {jid, id, ts, sid}."""
    return [row for chunk in chunks(journey_ids) for row in store.run("ingest-journey-members", {"ids": list(chunk)})]


def histories(store: GraphStore, customer_ids: Sequence[str]) -> dict[str, list[Point]]:
    """Every interaction of these customers as linking points (with their current journey)."""
    found: dict[str, list[Point]] = {cid: [] for cid in customer_ids}
    for chunk in chunks(customer_ids):
        for row in store.run("ingest-history", {"ids": list(chunk)}):
            found[row["cid"]].append(Point(int(row["ts"]), row["id"], row["sid"], row["jid"]))
    return found
