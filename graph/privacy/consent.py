"""Consent per purpose: one `Consent` node per decision (history kept), the latest per purpose counts.

The rule for "the latest decision" is one Cypher fragment (`cypher/fragments/latest-decision.cypher`): per purpose
the largest ts wins, an undated decision is older than every dated one, and at equal ts (or among undated ones) a
refusal wins. The same customer, purpose and ts make the same Consent id (`consent_id`), so a decision written again
replaces the earlier one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, TypedDict

from cypher import now_ms
from graph.errors import InputError
from graph.live_state.repair import repair
from graph.privacy.audit import CONSENT_CHANGED, audit, customer_ref
from graph.store import GraphStore, batched
from graph.writer_lock import WriterLock

PURPOSES: tuple[str, ...] = ("marketing", "personalization", "analytics", "profiling")
STATE_PURPOSES = ("analytics", "profiling")  # decisions that change the live state (refusers, model personas)
_PURPOSE = re.compile(r"[a-z][a-z0-9_-]{0,49}")
_BATCH = 1000


class ConsentDecision(TypedDict):
    customerId: str
    purpose: str
    granted: bool
    ts: int
    source: str | None
    actor: str | None


def consent_id(customer_id: str, purpose: str, ts: int | None) -> str:
    """The id of one consent decision, for every writer: a customer's decision for a purpose at a ts."""
    return f"{customer_id}:{purpose}:{ts if ts is not None else 'undated'}"


def set_consent(store: GraphStore, customer_id: str, purpose: str, granted: bool, *, actor: str, source: str,
                subject_key: bytes, lock: WriterLock, ts: int | None = None) -> ConsentDecision:
    """Record one consent decision (history kept) and audit it. Refusing `profiling` closes open model personas.
    An `analytics` or `profiling` decision changes what the live state counts: it is made through its repair path,
    holding the writers' `lock`."""
    if not _PURPOSE.fullmatch(purpose):
        raise InputError(f"Consent purpose {purpose!r} is not a lowercase code such as {', '.join(PURPOSES)}.")
    at = now_ms() if ts is None else int(ts)

    def decide() -> tuple[list[dict[str, Any]], int | None]:
        rows = store.run("consent-set", {  # the decision and the customer's `refused` list in one atomic query
            "customer_id": customer_id, "id": consent_id(customer_id, purpose, at), "purpose": purpose,
            "granted": bool(granted), "ts": at, "source": source, "actor": actor})
        if rows and purpose == "profiling" and "profiling" in rows[0]["refused"]:
            closed = store.run("consent-close-model-personas", {"customer_id": customer_id, "ts": at})
            return rows, int(closed[0]["n"]) if closed else 0
        return rows, None

    rows, closed = repair(store, [customer_id], decide, lock=lock) if purpose in STATE_PURPOSES else decide()
    if not rows:
        raise InputError(f"No customer {customer_id!r}: consent can only be recorded for a customer in the twin.")
    detail = f"purpose={purpose} granted={str(bool(granted)).lower()} source={source}"
    if closed is not None:
        detail += f" modelPersonasClosed={closed}"
    audit(store, actor, CONSENT_CHANGED, customer_ref(customer_id, subject_key), detail)
    return ConsentDecision(customerId=customer_id, purpose=purpose, granted=bool(granted), ts=at, source=source,
                           actor=actor)


def consents(store: GraphStore, customer_id: str) -> list[ConsentDecision]:
    """Every consent decision of a customer, oldest first."""
    return [ConsentDecision(customerId=customer_id, purpose=r["purpose"], granted=bool(r["granted"]), ts=r["ts"],
                            source=r["source"], actor=r["actor"])
            for r in store.run("consent-history", {"id": customer_id})]


def latest_consents(store: GraphStore, customer_ids: Sequence[str], at: int | None = None
                    ) -> dict[str, dict[str, bool]]:
    """{customer id: {purpose: granted}} from each purpose's latest decision (as of `at`, epoch ms, when given), for a
    batch of customers at once."""
    found: dict[str, dict[str, bool]] = {cid: {} for cid in customer_ids}
    for r in store.run("consent-latest", {"ids": list(dict.fromkeys(customer_ids)), "at": at}):
        found[r["id"]][r["purpose"]] = bool(r["granted"])
    return found


def refresh_refused(store: GraphStore, customer_ids: Sequence[str]) -> None:
    """Rewrite `Customer.refused` of these customers from their consent history (for writers of Consent nodes that
    cannot do it in their own query, e.g. after moving consents between customers)."""
    for batch in batched(sorted(set(customer_ids)), _BATCH):
        store.run("consent-refresh-refused", {"ids": batch})


def refused(store: GraphStore, customer_id: str, purpose: str, at: int | None = None) -> bool:
    """True when the customer's latest decision for `purpose` (as of `at`) refuses it (no decision at all is not a
    refusal)."""
    return latest_consents(store, [customer_id], at)[customer_id].get(purpose) is False
