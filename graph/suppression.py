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
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TypedDict

from graph.errors import InputError
from graph.ontology import Label
from graph.privacy import audit, customer_ref
from graph.store import GraphStore, batched

CUSTOMER, IDENTITY = "customer", "identity"  # the kinds of entries
SUPPRESSION_LIFTED = "suppression-lift"  # audit action
_BATCH = 1000
_MAX_REASON = 300

_ADD = f"""
UNWIND $rows AS row
MERGE (s:{Label.SUPPRESSION} {{key: row.key}})
  ON CREATE SET s.kind = row.kind, s.subject = $subject, s.ts = $ts
RETURN count(*) AS n
"""
_ON_LIST = f"""
UNWIND $keys AS k MATCH (s:{Label.SUPPRESSION} {{key: k}})
RETURN s.key AS key, s.subject AS subject
"""
_ENTRIES = f"""
MATCH (s:{Label.SUPPRESSION}) WHERE $subject IS NULL OR s.subject = $subject
RETURN s.key AS key, s.kind AS kind, s.subject AS subject, s.ts AS ts ORDER BY s.ts, s.key
"""
_LIFT = f"""
MATCH (s:{Label.SUPPRESSION} {{subject: $subject}}) DELETE s RETURN count(*) AS n
"""


class Entry(TypedDict):
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
    now = time.time_ns() // 1_000_000
    for batch in batched(rows, _BATCH):
        store.write(_ADD, {"rows": batch, "subject": subject, "ts": now}, name="suppress")
    return len(rows)


def on_list(store: GraphStore, keys: Iterable[str]) -> dict[str, str]:
    """{key: subject} for the keys that are on the list."""
    found: dict[str, str] = {}
    for batch in batched(sorted(set(keys)), _BATCH * 5):
        found.update((r["key"], r["subject"]) for r in store.read(_ON_LIST, {"keys": batch}, name="suppressed"))
    return found


def entries(store: GraphStore, subject: str | None = None) -> list[Entry]:
    """The whole list (or one person's entries), oldest first."""
    return [Entry(key=r["key"], kind=r["kind"], subject=r["subject"], ts=r["ts"])
            for r in store.read(_ENTRIES, {"subject": subject}, name="suppression-list")]


def lift(store: GraphStore, customer_id: str, key: bytes, *, actor: str, reason: str) -> int:
    """Take a person (by customer id) off the list, with every entry listed under them; audited with the reason.
    Returns how many entries went."""
    reason = " ".join(reason.split())
    if not reason:
        raise InputError("Lifting a suppression needs a reason for the audit trail: pass --reason 'why'.")
    subject = customer_ref(customer_id, key)
    rows = store.write(_LIFT, {"subject": subject}, name="suppression-lift")
    lifted = int(rows[0]["n"]) if rows else 0
    audit(store, actor, SUPPRESSION_LIFTED, subject, f"entries={lifted} reason={reason[:_MAX_REASON]}")
    return lifted
