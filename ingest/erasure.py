"""The right to erasure, everywhere the twin keeps a person: the graph, the event stream, rejects and checkpoints.

    report = erase_everywhere(store, settings, "sydney", "ERASE", actor="cli:alice")

The CLI (`dtc erase`) and the API (`eraseCustomer`) call this. The graph part and the audit entry are in
`graph.privacy.erase_customer`; this module hands it the scrub of the copies outside the graph, and the keyed hash
that names the person in the audit trail.
"""

from __future__ import annotations

from collections.abc import Mapping

from graph.privacy import ErasureReport, ErasureTargets, erase_customer
from graph.settings import Settings
from graph.store import GraphStore
from ingest.identity import identity_key, refs
from ingest.scrub import PersonMatcher, scrub_outside_graph


def subject_key(settings: Settings) -> bytes:
    """The secret that keys `graph.privacy.customer_ref` in the audit trail (the identity hash key)."""
    return identity_key(settings)


def erase_everywhere(store: GraphStore, settings: Settings, customer_id: str, mode: str = "ERASE", *,
                     actor: str) -> ErasureReport:
    """Erase (mode ERASE) or anonymize (mode ANONYMIZE) one customer in the graph and outside it, audited and
    durable before it returns. Idempotent."""
    key = subject_key(settings)

    def identity_key_of(kind: str, value: str) -> str | None:
        found = refs(key, {kind: value})
        return found[0].key if found else None

    def outside(targets: ErasureTargets) -> Mapping[str, int]:
        matcher = PersonMatcher(targets, identity_key_of)
        return scrub_outside_graph(settings, store.redis_url(), matcher).as_counts()

    return erase_customer(store, customer_id, mode, actor=actor, subject_key=key, outside=outside)
