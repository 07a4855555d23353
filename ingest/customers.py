"""Customer records into the graph: the customer file (../shared/contracts/customer.schema.json), and the profile
updates of Segment messages (identify, alias, consent in context: ingest.segment).

Re-ingesting a customer updates it: attributes merge key by key, personal data goes to `pii_<field>` properties,
personas are upserted by (customer, persona, since) and consents by (customer, purpose, ts), and `Customer.refused`
is rewritten from the customer's whole consent history in the same query. Identities are hashed and resolved with
the merge rule of `ingest.identity`; the caller relinks the journeys of the survivors of a merge
(`CustomersWritten.survivors`, `EventSink.relink`). Re-ingesting the same customer file is a no-op: a customer
written from its own file record keeps that record's keyed hash (`Customer.record_hash`), a record whose hash is the
stored one is skipped, and every other writer of a profile (a message's record, a merge, a consent set through the
API, anonymisation) clears the hash, so the next file record is written again.

A record from a message is dated (`ts`) and may name its customer by identities only (an anonymous visitor). Its
traits follow ingest.profile_rules: each keeps the value of the latest message that set it (`Customer.trait_ts`
holds when each was set: names and times, no personal data), and a consent decision is recorded only when it differs
from the one in force at its time. An alias (`previous_id`) that names a known customer merges it into this one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

from graph.live_state.repair import repair
from graph.ontology import PII_PREFIX
from graph.privacy import consent_id
from graph.reads import consents_of_customers, json_object
from graph.store import GraphStore
from graph.writer_lock import WriterLock
from ingest import identity
from ingest.contracts import CustomerRecord
from ingest.lookups import chunks, identity_owners, known_customers
from ingest.merging import merge_customer
from ingest.profile_rules import Decision, consent_changes, overlay_traits

ATTRIBUTE_TRAIT = "attributes."  # trait_ts names an attribute `attributes.<name>` and personal data `pii_<name>`


@dataclass(frozen=True)
class CustomersWritten:
    new_customers: int  # customers the graph did not have before
    survivors: list[str]  # customers an identity merge gave another customer's history: relink their journeys
    resolved: list[str]  # the customer each record was written to, in the order of the records


def write_customers(store: GraphStore, records: Sequence[CustomerRecord], secret: bytes, now: int, *,
                    lock: WriterLock | None) -> CustomersWritten:
    """Upsert one batch of customer records (in order: a later record of the same customer wins, or for dated
    records the latest ts per trait), holding the writers' `lock` (None: the caller holds it): the personas,
    consents and merges they bring change what the live state folds, so the writes go through its repair path."""
    if lock is None:
        return _write_customers(store, records, secret, now)
    with lock.hold():
        return _write_customers(store, records, secret, now)


def _write_customers(store: GraphStore, records: Sequence[CustomerRecord], secret: bytes, now: int
                     ) -> CustomersWritten:
    """The records the graph does not hold already, upserted."""
    unchanged = _unchanged(store, records, secret)
    if not unchanged:
        return _upsert(store, records, secret, now)
    changed = [r for n, r in enumerate(records) if n not in unchanged]
    written = _upsert(store, changed, secret, now) if changed else CustomersWritten(0, [], [])
    targets = iter(written.resolved)
    return CustomersWritten(written.new_customers, written.survivors,
                            [str(r.customer_id) if n in unchanged else next(targets) for n, r in enumerate(records)])


def _upsert(store: GraphStore, records: Sequence[CustomerRecord], secret: bytes, now: int) -> CustomersWritten:
    refs_of = [identity.refs(secret, r.identities) for r in records]
    keys = sorted({ref.key for refs in refs_of for ref in refs})
    owner_of_key = identity_owners(store, keys) if keys else {}
    named = {r.customer_id for r in records if r.customer_id} | {r.previous_id for r in records if r.previous_id}
    known = known_customers(store, sorted(named | set(owner_of_key.values())))
    graph = identity.IdentityGraph(owner=dict(owner_of_key))
    for cid, customer in known.items():
        graph.kinds[cid] = Counter(customer.identity_kinds)
        if customer.merged_into:
            graph.merged_into[cid] = customer.merged_into
    attach: dict[str, identity.IdentityRef] = {}
    merges: list[tuple[str, str]] = []
    resolved: list[str] = []
    for record, refs in zip(records, refs_of, strict=True):
        previous = record.previous_id
        if previous and record.customer_id and previous in known and graph.current(previous) != graph.current(
                record.customer_id):
            # an alias of a known customer: that customer merges into this one (guardrails permitting); the
            # previous id was a user id, not an anonymous id
            survivor = graph.current(record.customer_id)
            loser = graph.current(previous)
            if graph.absorb(loser, survivor):
                merges.append((loser, survivor))
            as_anonymous = {ref.key for ref in identity.refs(secret, {identity.ANONYMOUS_KIND: previous})}
            refs = [ref for ref in refs if ref.key not in as_anonymous]
        if refs:
            resolution = graph.resolve(record.customer_id, refs)
            merges += [(loser, resolution.customer_id) for loser in resolution.merged]
            attach.update((ref.key, ref) for ref in resolution.attach)
            resolved.append(resolution.customer_id)
        else:
            assert record.customer_id is not None  # validation: identities stand in for the id only when usable
            resolved.append(graph.current(record.customer_id))
    touched = set(resolved) | {graph.current(cid) for cid in resolved} | {cid for merge in merges for cid in merge}
    write = partial(_write, store, records, resolved, graph, attach, merges, set(known), now, secret)
    return repair(store, sorted(touched), write, lock=None)


def _write(store: GraphStore, records: Sequence[CustomerRecord], resolved: list[str], graph: identity.IdentityGraph,
           attach: Mapping[str, identity.IdentityRef], merges: list[tuple[str, str]], known: set[str], now: int,
           secret: bytes) -> CustomersWritten:
    """The merges and the upsert of one batch of resolved records."""
    for loser, winner in merges:
        merge_customer(store, loser, winner, now)
    targets = [graph.current(cid) for cid in resolved]
    ids = sorted(set(targets))
    stored = {row["cid"]: row for row in store.run("customer-profiles", {"ids": ids})}
    history = _decisions(store, ids) if any(r.ts is not None and r.consents for r in records) else {}
    rows: dict[str, dict[str, Any]] = {}
    shows: dict[tuple[str, str, int | None], dict[str, Any]] = {}
    consents: list[dict[str, Any]] = []
    for record, target in sorted(zip(records, targets, strict=True),
                                 key=lambda pair: -1 if pair[0].ts is None else pair[0].ts):
        row = rows.get(target) or _row(target, stored.get(target))
        rows[target] = row
        if record.ts is None:  # a customer file: the record is the customer as of now
            row["attributes"].update(record.attributes)
            row["pii"].update({f"{PII_PREFIX}{k}": v for k, v in record.pii.items()})
        else:
            _overlay(row, record)
        if record.relationship_stage is not None:
            row["stage"] = record.relationship_stage
        firsts = {(c.persona, c.since): c for c in reversed(record.personas)}  # a record naming one twice: its first
        for claim in firsts.values():  # one assignment per (customer, persona, since): the last record's
            shows[(target, claim.persona, claim.since)] = {
                "customer_id": target, "persona": claim.persona, "weight": claim.weight, "since": claim.since,
                "until": claim.until, "source": claim.source}
        claims = record.consents
        if record.ts is not None:  # from a message: only a decision that changes one
            known_decisions = history.setdefault(target, [])
            changes = consent_changes(known_decisions, [Decision(c.purpose, c.granted, c.ts) for c in claims])
            known_decisions.extend(changes)
            kept = {(d.purpose, d.granted, d.ts) for d in changes}
            claims = tuple(c for c in claims if (c.purpose, c.granted, c.ts) in kept)
        for consent in claims:
            consents.append({"id": consent_id(target, consent.purpose, consent.ts), "customer_id": target,
                             "purpose": consent.purpose, "granted": consent.granted, "ts": consent.ts,
                             "source": consent.source})
    records_of: dict[str, list[CustomerRecord]] = {}
    for record, target in zip(records, targets, strict=True):
        records_of.setdefault(target, []).append(record)
    for target, row in rows.items():  # a row written from its own customer file records only: the last one's hash
        own = records_of[target]
        row["record_hash"] = (record_hash(secret, own[-1])
                              if all(r.ts is None and r.customer_id == target for r in own) else None)
    identities = [{"key": key, "kind": ref.kind, "hash": ref.hash, "customer_id": graph.current(graph.owner[key])}
                  for key, ref in sorted(attach.items())]
    # `refused` is rewritten from the whole history of every customer whose consents this batch or a merge touched
    refresh = sorted({str(c["customer_id"]) for c in consents} | {cid for merge in merges for cid in merge})
    store.run("customers-upsert", {"now": now, "rows": [_finished(row) for _, row in sorted(rows.items())],
                                   "identities": identities, "shows": list(shows.values()),
                                   "consents": list({c["id"]: c for c in consents}.values()), "refresh": refresh})
    return CustomersWritten(len(set(ids) - set(known)), sorted({winner for _, winner in merges}), targets)


def _row(customer_id: str, stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """What the upsert writes for one customer, starting from what the graph holds."""
    stored = stored or {}
    return {"id": customer_id, "stage": None, "attributes": json_object(stored.get("attributes")), "pii": {},
            "trait_ts": json_object(stored.get("trait_ts")), "held": dict(stored.get("properties") or {}),
            "dated": False}


def _overlay(row: dict[str, Any], record: CustomerRecord) -> None:
    """A dated record's traits over the row: each trait keeps the value of the latest message that set it."""
    assert record.ts is not None
    incoming = {f"{ATTRIBUTE_TRAIT}{k}": v for k, v in record.attributes.items()}
    incoming.update({f"{PII_PREFIX}{k}": v for k, v in record.pii.items()})
    held = {name: row["attributes"].get(name.removeprefix(ATTRIBUTE_TRAIT)) if name.startswith(ATTRIBUTE_TRAIT)
            else row["pii"].get(name, row["held"].get(name)) for name in incoming}
    values, times, changed = overlay_traits(held, row["trait_ts"], incoming, record.ts)
    row["trait_ts"], row["dated"] = times, True
    for name in incoming:
        if times.get(name) == record.ts and values[name] == incoming[name]:
            if name.startswith(ATTRIBUTE_TRAIT):
                row["attributes"][name.removeprefix(ATTRIBUTE_TRAIT)] = values[name]
            else:
                row["pii"][name] = values[name]


def _finished(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "stage": row["stage"], "pii": row["pii"], "record_hash": row["record_hash"],
            "attributes": json.dumps(row["attributes"], sort_keys=True, ensure_ascii=False, default=str)
            if row["attributes"] else None,
            "trait_ts": json.dumps(row["trait_ts"], sort_keys=True) if row["dated"] else None}


def record_hash(secret: bytes, record: CustomerRecord) -> str:
    """The content key of a customer file record: keyed by the identity secret (it covers personal data and a new
    secret hashes identities anew), the same for the same record however its keys were ordered."""
    content = json.dumps(asdict(record), sort_keys=True, ensure_ascii=False, default=str)
    return hmac.new(secret, b"dtc-customer-record\x00" + content.encode(), hashlib.sha256).hexdigest()


def _unchanged(store: GraphStore, records: Sequence[CustomerRecord], secret: bytes) -> set[int]:
    """The positions of the customer file records the graph holds already: the customer's stored `record_hash` is
    the record's, so writing it again would change nothing (each profile writer other than a customer file record
    clears the hash). A customer with any other record in the batch is written, all its records in order."""
    ids = sorted({r.customer_id for r in records if r.ts is None and r.customer_id and r.previous_id is None})
    if not ids:
        return set()
    stored = {row["id"]: row["hash"] for chunk in chunks(ids) for row in store.run("customer-record-hashes",
                                                                                 {"ids": list(chunk)})}
    same = {n for n, r in enumerate(records)
            if r.ts is None and r.previous_id is None and r.customer_id in stored
            and stored[r.customer_id] == record_hash(secret, r)}
    written = {r.customer_id for n, r in enumerate(records) if n not in same}
    return {n for n in same if records[n].customer_id not in written}


def _decisions(store: GraphStore, ids: Sequence[str]) -> dict[str, list[Decision]]:
    return {cid: [Decision(k["purpose"], bool(k["granted"]), k.get("ts")) for k in decisions]
            for cid, decisions in consents_of_customers(store, ids).items()}
