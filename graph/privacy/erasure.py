"""The right to erasure in the graph: erase (ERASE) or anonymize (ANONYMIZE) one person, suppressed, audited, durable.

`erase_customer` works from the `ErasureTargets` of a customer (collected before anything is deleted, so the parts
outside the graph can be scrubbed too: `OutsideScrub`), deletes or rewrites leaf data first and the customer node
last, so an interrupted erasure converges when run again; a second erasure of the same id finds nothing and changes
nothing. `ingest.erasure.erase_everywhere` adds the scrub outside the graph and the writers' lock.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from graph.errors import InputError
from graph.live_state.repair import repair
from graph.ontology import PII_PREFIX
from graph.privacy.audit import ANONYMIZED, ERASED, audit, customer_ref
from graph.privacy.consent import consent_id
from graph.store import GraphStore, batched

ErasureMode = Literal["ERASE", "ANONYMIZE"]
ERASURE_MODES: tuple[str, ...] = ("ERASE", "ANONYMIZE")
_BATCH = 1000


class ErasureResult(TypedDict):
    customerId: str
    mode: str
    nodesDeleted: int
    propertiesScrubbed: int
    elsewhere: dict[str, int]  # what the scrub outside the graph removed (stream entries, rejects rows, ...)


@dataclass(frozen=True)
class ErasureTargets:
    """Everything that identifies one person, found in the graph before erasure starts."""

    customer_id: str
    customer_ids: frozenset[str]  # the customer and the customers merged into it
    event_ids: frozenset[str]
    journey_ids: frozenset[str]
    consent_ids: frozenset[str]
    identity_keys: frozenset[str]  # kind:hash
    pii_values: frozenset[str]  # the values of pii_* properties, to recognise raw events outside the graph

    @property
    def found(self) -> bool:
        return bool(self.customer_ids or self.event_ids)


OutsideScrub = Callable[[ErasureTargets], Mapping[str, int]]


def erasure_targets(store: GraphStore, customer_id: str) -> ErasureTargets:
    """The customer (and customers merged into it), their events, journeys, consents, identities and PII values."""
    ids: set[str] = set()
    pii: set[str] = set()
    frontier = [customer_id]
    while frontier:  # the customer itself, then whoever was merged into it, transitively
        rows = store.run("erasure-customers", {"ids": frontier})
        found = {r["c"]["id"] for r in rows} - ids
        for r in rows:
            pii.update(str(v) for k, v in r["c"].items() if k.startswith(PII_PREFIX) and v not in (None, ""))
        ids |= found
        frontier = sorted(found)
    params = {"ids": sorted(ids | {customer_id})}
    return ErasureTargets(
        customer_id=customer_id,
        customer_ids=frozenset(ids),
        event_ids=_ids(store, "erasure-interactions", params),
        journey_ids=_ids(store, "erasure-journeys", params),
        consent_ids=_ids(store, "erasure-consents", params),
        identity_keys=_ids(store, "erasure-identities", params),
        pii_values=frozenset(pii),
    )


def erase_customer(store: GraphStore, customer_id: str, mode: str = "ERASE", *, actor: str, subject_key: bytes,
                   outside: OutsideScrub | None = None, suppress_as: str | None = None) -> ErasureResult:
    """Put the customer's ids and identities on the suppression list (under `suppress_as`, default the customer's own
    `customer_ref`), erase (or anonymize) the customer in the graph, run `outside` to scrub copies kept elsewhere,
    audit it, and make it durable before answering. Idempotent: erasing an id the twin no longer holds reports zero
    changes."""
    from graph.suppression import suppress  # here: graph.suppression names people with the audit's customer_ref

    if mode not in ERASURE_MODES:
        raise InputError(f"Erasure mode {mode!r} is not one of {', '.join(ERASURE_MODES)}.")
    targets = erasure_targets(store, customer_id)
    # listed first, so a writer that checks the list from now on drops what would bring her back
    suppress(store, suppress_as or customer_ref(customer_id, subject_key), targets.customer_ids | {customer_id},
             targets.identity_keys, subject_key)
    elsewhere = dict(outside(targets)) if outside else {}
    pseudonym = f"pseudo-{secrets.token_hex(8)}"
    # the live state follows (the caller holds the writers' lock): an erased person's contribution leaves the
    # counters with her facts; an anonymised one's stays, identical, under the pseudonym
    changed = sorted(targets.customer_ids | {customer_id, pseudonym})
    if mode == "ERASE":
        deleted, scrubbed = repair(store, changed, lambda: _erase(store, targets), lock=None)
    else:
        deleted, scrubbed = repair(store, changed, lambda: _anonymize(store, targets, pseudonym), lock=None)
    if outside:  # a second pass catches copies that arrived while the graph was being erased
        for name, count in outside(targets).items():
            elsewhere[name] = elsewhere.get(name, 0) + count
    result = ErasureResult(customerId=customer_id, mode=mode, nodesDeleted=deleted, propertiesScrubbed=scrubbed,
                           elsewhere=elsewhere)
    detail = " ".join([f"mode={mode}", f"found={str(targets.found).lower()}", f"nodesDeleted={deleted}",
                       f"propertiesScrubbed={scrubbed}", *(f"{k}={v}" for k, v in sorted(elsewhere.items()))])
    audit(store, actor, ERASED if mode == "ERASE" else ANONYMIZED, customer_ref(customer_id, subject_key), detail)
    store.make_durable()
    if targets.found:  # the writes that once carried her data (old queries, stream entries) leave the disk too
        store.compact()
    return result


def _erase(store: GraphStore, t: ErasureTargets) -> tuple[int, int]:
    """Delete leaf data first and the customer last, so an interrupted run finds its way back. (deleted, scrubbed)"""
    events, ids = sorted(t.event_ids), sorted(t.customer_ids)
    deleted = _exclusive_embeddings(store, events, delete=True)
    deleted += _delete(store, "erase-interactions", events)
    deleted += _delete(store, "erase-journeys", sorted(t.journey_ids))
    deleted += _delete(store, "erase-consents", sorted(t.consent_ids))
    deleted += _exclusive_identities(store, sorted(t.identity_keys), ids)
    deleted += _delete(store, "erase-customers", ids)
    return deleted, 0


def _anonymize(store: GraphStore, t: ErasureTargets, pseudonym: str) -> tuple[int, int]:
    """Keep what aggregates need under a random pseudonym; remove PII, identities, texts and their embeddings."""
    if not t.found:
        return 0, 0
    events = sorted(t.event_ids)
    deleted = _exclusive_embeddings(store, events, delete=True)
    _exclusive_embeddings(store, events, delete=False)  # shared embeddings stay, but no longer point at her
    deleted += _exclusive_identities(store, sorted(t.identity_keys), sorted(t.customer_ids))
    interactions = sorted((r["i"] for r in store.run("anonymize-interactions-read", {"ids": events})),
                          key=lambda i: (i.get("ts") or 0, i["id"]))
    # fresh random event ids: the source systems' event ids would lead straight back to the person. They share a
    # random prefix and number the events in (ts, event_id) order, so that order, and every aggregate, stays the same
    prefix = f"pseudo-{secrets.token_hex(8)}-"
    new_event = {i["id"]: f"{prefix}{n:09d}" for n, i in enumerate(interactions)}
    first_event: dict[str, str] = {}
    for i in interactions:  # a journey's id is its customer's id + ':' + the id of its earliest event
        if i.get("journey_id") is not None:
            first_event.setdefault(i["journey_id"], new_event[i["id"]])
    new_journey = {old: f"{pseudonym}:{first}" for old, first in first_event.items()}
    for j in sorted(t.journey_ids - new_journey.keys()):  # an empty journey: nothing to name it after
        new_journey[j] = f"{pseudonym}:pseudo-{secrets.token_hex(8)}"
    dropped_on_interaction = ("text", "attributes", "session_id")
    scrubbed = sum(1 + sum(1 for p in dropped_on_interaction if i.get(p) is not None)
                   + (i.get("customer_id") is not None) + (i.get("journey_id") is not None) for i in interactions)
    _write_rows(store, "anonymize-interactions",
                [{"old": i["id"], "new": new_event[i["id"]], "journey": new_journey.get(i.get("journey_id") or "")}
                 for i in interactions], pseudonym=pseudonym)
    _write_rows(store, "anonymize-switches", [{"old": old, "new": new} for old, new in new_event.items()],
                ids=sorted(t.customer_ids))
    journeys = _write_rows(store, "anonymize-journeys", [{"old": old, "new": new} for old, new in new_journey.items()],
                           pseudonym=pseudonym)
    scrubbed += 2 * journeys
    consent_rows = store.run("anonymize-consents-read", {"ids": sorted(t.consent_ids)})
    _write_rows(store, "anonymize-consents",
                [{"old": k["id"], "new": consent_id(pseudonym, k["purpose"], k["ts"])} for k in consent_rows],
                pseudonym=pseudonym)
    scrubbed += sum(2 + (k["actor"] is not None) for k in consent_rows)
    # customers merged into this one are redirect stubs: they go; the survivor keeps only non-identifying facts
    deleted += _delete(store, "erase-customers", sorted(t.customer_ids - {t.customer_id}))
    found = store.run("export-customer", {"id": t.customer_id})
    if not found:  # only stray interactions were left: they now belong to the pseudonym alone
        return deleted, scrubbed
    props = found[0]["c"]
    # `refused` stays: the consents stay under the pseudonym, and an analytics refusal must keep counting
    kept = {k: props[k] for k in ("relationship_stage", "created_ts", "updated_ts", "refused")
            if props.get(k) is not None}
    scrubbed += 1 + sum(1 for k in props if k not in kept and k not in ("id", "anonymized"))
    store.run("anonymize-customer", {"id": t.customer_id, "props": {**kept, "id": pseudonym, "anonymized": True}})
    return deleted, scrubbed


def _exclusive_embeddings(store: GraphStore, events: list[str], *, delete: bool) -> int:
    """Delete embeddings that embed only these interactions (delete=True), or unlink the rest from them."""
    total = 0
    for batch in batched(events, _BATCH):
        if delete:
            rows = store.run("erase-embeddings", {"events": batch, "all": events})
        else:
            rows = store.run("erase-embedding-links", {"events": batch})
        total += int(rows[0]["n"]) if rows else 0
    return total


def _exclusive_identities(store: GraphStore, keys: list[str], customer_ids: list[str]) -> int:
    """Delete identities that identify only these customers; unlink shared ones from them."""
    if not keys:
        return 0
    rows = store.run("erase-identities", {"keys": keys, "ids": customer_ids})
    store.run("erase-identity-links", {"keys": keys, "ids": customer_ids})
    return int(rows[0]["n"]) if rows else 0


def _delete(store: GraphStore, query: str, values: list[str]) -> int:
    total = 0
    for batch in batched(values, _BATCH):
        rows = store.run(query, {"values": batch})
        total += int(rows[0]["n"]) if rows else 0
    return total


def _write_rows(store: GraphStore, query: str, rows: list[dict[str, Any]], **params: Any) -> int:
    for batch in batched(rows, _BATCH):
        store.run(query, {"rows": batch, **params})
    return len(rows)


def _ids(store: GraphStore, query: str, params: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(str(r["id"]) for r in store.run(query, params) if r["id"] is not None)
