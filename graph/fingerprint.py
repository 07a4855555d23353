"""The journey fingerprint: one hash of everything journey linking decides, so two graphs built from the same events
can be compared whatever order and batching built them.

    fingerprint(store) -> "sha256:…"

It hashes the sorted (journey id, customer id, event ids in seq order) triples and the sorted NEXT pairs. A journey
with no customer or no interactions (left behind by a merge) is part of it, so such leftovers change it; so does a
NEXT link that crosses journeys or a seq that skips. `dtc stats --fingerprint` prints it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from graph.store import GraphStore


def journey_triples(store: GraphStore) -> list[tuple[str, str | None, tuple[str, ...]]]:
    """(journey id, customer id, event ids in seq order), sorted; a seq that does not count 1, 2, … is kept visible
    by writing the event as `seq:id`."""
    triples = []
    for row in store.run("fingerprint-journeys"):
        members: list[Any] = sorted((m for m in row["members"] if m[1] is not None),
                                    key=lambda m: (m[0] if m[0] is not None else -1, m[1]))
        events = tuple(str(event_id) if seq == n else f"{seq}:{event_id}"
                       for n, (seq, event_id) in enumerate(members, start=1))
        triples.append((str(row["journey"]), row["customer"], events))
    return sorted(triples, key=lambda t: (t[0], t[1] or "", t[2]))


def next_pairs(store: GraphStore) -> list[tuple[str, str]]:
    return sorted((str(r["a"]), str(r["b"])) for r in store.run("fingerprint-next"))


def fingerprint(store: GraphStore) -> str:
    """The hash of the graph's journeys, their customers and members, and its NEXT chain."""
    digest = hashlib.sha256()
    for triple in journey_triples(store):
        digest.update(json.dumps(["journey", *triple[:2], list(triple[2])]).encode() + b"\n")
    for pair in next_pairs(store):
        digest.update(json.dumps(["next", *pair]).encode() + b"\n")
    return f"sha256:{digest.hexdigest()}"
