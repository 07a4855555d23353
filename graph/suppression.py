"""The suppression list: a person erased from the twin stays erased, whatever is ingested again later.

Erasure (ERASE and ANONYMIZE) adds one `Suppression {key, kind, subject, ts}` node per customer id and per identity of
the person; everything that comes in is checked against them and what matches is dropped (and counted). Entries
hold no personal data: a customer id is named by `customer_ref` (the audit trail's keyed hash) and an identity by a
keyed hash of its `Identity.key` (`identity_ref`), both keyed with the identity key that lives in the configuration,
never in the graph. `subject` is the `customer_ref` of the person erased, so every entry of one person (including
identities suppressed later because they came tied to her) is listed and lifted together, and the audit trail names
her the same way.

    on_list(store, [customer_ref("sydney", key)])  -> {"customer:…": "customer:…"}   key -> subject
    lift(store, "sydney", key, actor="cli:alice", reason="asked to be a customer again")

Lifting is explicit and audited; nothing else removes an entry.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from typing import TypedDict

from cypher import now_ms
from graph.errors import InputError
from graph.privacy import audit, customer_ref
from graph.store import GraphStore, batched

CUSTOMER, IDENTITY = "customer", "identity"  # the kinds of entries
SUPPRESSION_LIFTED = "suppression-lift"  # audit action
_BATCH = 1000
_MAX_REASON = 300

class SuppressionEntry(TypedDict):
    key: str
    kind: str
    subject: str
    ts: int


def identity_ref(identity_key: str, key: bytes) -> str:
    """The suppression list's name for an identity (`Identity.key`, kind + ':' + hash): keyed again, so the list
    cannot be joined to identities without the key."""
    digest = hmac.new(key, b"dtc-suppressed-identity\x00" + identity_key.encode(), hashlib.sha256).hexdigest()
    return f"{IDENTITY}:{digest[:32]}"


def suppress(store: GraphStore, subject: str, customer_ids: Iterable[str], identity_keys: Iterable[str],
             key: bytes) -> int:
    """Put these customer ids and identities on the list under `subject` (idempotent); returns the entries named."""
    rows = [{"key": customer_ref(cid, key), "kind": CUSTOMER} for cid in sorted(set(customer_ids))]
    rows += [{"key": identity_ref(ikey, key), "kind": IDENTITY} for ikey in sorted(set(identity_keys))]
    return add_entries(store, subject, rows)


def add_entries(store: GraphStore, subject: str, rows: Sequence[Mapping[str, str]]) -> int:
    """Add entries `{key, kind}` (keys already computed) under `subject`; an entry already listed keeps its subject."""
    now = now_ms()
    for batch in batched(rows, _BATCH):
        store.run("suppression-add", {"rows": batch, "subject": subject, "ts": now})
    return len(rows)


def on_list(store: GraphStore, keys: Iterable[str]) -> dict[str, str]:
    """{key: subject} for the keys that are on the list."""
    found: dict[str, str] = {}
    for batch in batched(sorted(set(keys)), _BATCH * 5):
        found.update((r["key"], r["subject"]) for r in store.run("suppression-on-list", {"keys": batch}))
    return found


def entries(store: GraphStore, subject: str | None = None) -> list[SuppressionEntry]:
    """The whole list (or one person's entries), oldest first."""
    return [SuppressionEntry(key=r["key"], kind=r["kind"], subject=r["subject"], ts=r["ts"])
            for r in store.run("suppression-entries", {"subject": subject})]


def lift(store: GraphStore, customer_id: str, key: bytes, *, actor: str, reason: str) -> int:
    """Take a person (by customer id) off the list, with every entry listed under them; audited with the reason.
    Returns how many entries went."""
    reason = " ".join(reason.split())
    if not reason:
        raise InputError("Lifting a suppression needs a reason for the audit trail: pass --reason 'why'.")
    subject = customer_ref(customer_id, key)
    rows = store.run("suppression-lift", {"subject": subject})
    lifted = int(rows[0]["n"]) if rows else 0
    audit(store, actor, SUPPRESSION_LIFTED, subject, f"entries={lifted} reason={reason[:_MAX_REASON]}")
    return lifted
