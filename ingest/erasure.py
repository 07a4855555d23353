"""The right to erasure, everywhere the twin keeps a person: the graph, the event stream, rejects and checkpoints.

    report = erase_everywhere(store, settings, "sydney", "ERASE", actor="cli:alice")

The CLI (`dtc erase`) and the API (`eraseCustomer`) call this. The graph part, the suppression entries and the audit
entry are in `graph.privacy.erase_customer`; this module hands it the scrub of the copies outside the graph, and the
keyed hash that names the person in the audit trail, and holds the writers' lock meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext

from graph.keys import identity_key
from graph.privacy import ErasureResult, ErasureTargets, erase_customer
from graph.settings import Settings
from graph.store import GraphStore
from graph.writer_lock import writer_lock
from ingest.identity import refs
from ingest.scrub import PersonMatcher, scrub_outside_graph


def erase_everywhere(store: GraphStore, settings: Settings, customer_id: str, mode: str = "ERASE", *,
                     actor: str, lock_held: bool = False, suppress_as: str | None = None) -> ErasureResult:
    """Erase (mode ERASE) or anonymize (mode ANONYMIZE) one customer in the graph and outside it, audited and
    durable before it returns, and put them on the suppression list (under `suppress_as`, default their own name).
    Idempotent. Writers of the graph wait meanwhile (the writer lock, unless the caller holds it: `lock_held`), so
    no batch checked against the list before her entries were added is written after them."""
    key = identity_key(settings)

    def identity_key_of(kind: str, value: str) -> str | None:
        found = refs(key, {kind: value})
        return found[0].key if found else None

    def outside(targets: ErasureTargets) -> Mapping[str, int]:
        matcher = PersonMatcher(targets, identity_key_of)
        return scrub_outside_graph(settings, store.redis_url(), matcher).as_counts()

    with nullcontext() if lock_held else writer_lock(store, settings).hold():
        return erase_customer(store, customer_id, mode, actor=actor, subject_key=key, outside=outside,
                              suppress_as=suppress_as)
