"""The audit trail: entries appended and never changed, naming customers only by a keyed hash (`customer_ref`)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from typing import TypedDict

from cypher import now_ms
from graph.errors import InputError
from graph.store import GraphStore

log = logging.getLogger(__name__)

DEFAULT_AUDIT_LIMIT = 100
# audit actions
CONSENT_CHANGED, EXPORTED, ERASED, ANONYMIZED, PII_READ = "consent", "export", "erase", "anonymize", "pii_read"


class AuditEntry(TypedDict):
    id: str
    ts: int
    actor: str
    action: str
    subject: str
    detail: str


def customer_ref(customer_id: str, key: bytes) -> str:
    """The audit trail's name for a customer: a keyed hash, stable for one key, meaningless without it."""
    digest = hmac.new(key, b"dtc-audit-subject\x00" + customer_id.encode(), hashlib.sha256).hexdigest()
    return f"customer:{digest[:32]}"


def audit(store: GraphStore, actor: str, action: str, subject: str, detail: str = "", *,
          ts: int | None = None) -> AuditEntry:
    """Append one entry to the audit trail. `subject` and `detail` must hold no personal data (use `customer_ref`)."""
    if not actor.strip():
        raise InputError("An audit entry needs the actor who acted; give a user, role or service name.")
    now = now_ms() if ts is None else int(ts)
    # the id starts with the time in ns, so entries of the same millisecond still list in the order they were written
    entry = AuditEntry(id=f"{time.time_ns():020d}-{secrets.token_hex(6)}", ts=now, actor=actor, action=action,
                       subject=subject, detail=detail)
    store.run("audit-append", dict(entry))
    log.debug("audit %s by %s", action, actor)
    return entry


def audit_log(store: GraphStore, since: int | None = None, limit: int = DEFAULT_AUDIT_LIMIT, *,
              subject: str | None = None, action: str | None = None) -> list[AuditEntry]:
    """The latest `limit` audit entries at or after `since` (epoch ms), oldest first."""
    if limit < 1:
        raise InputError(f"limit={limit} must be at least 1.")
    rows = store.run("audit-log", {"since": since, "limit": int(limit), "subject": subject, "action": action})
    return [AuditEntry(id=r["id"], ts=r["ts"], actor=r["actor"], action=r["action"], subject=r["subject"],
                       detail=r["detail"] or "") for r in reversed(rows)]
