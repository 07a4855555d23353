"""The customer file (../shared/contracts/customer.schema.json) into the graph.

Re-ingesting a customer updates it: attributes merge key by key, personal data goes to `pii_<field>` properties,
personas are upserted by (customer, persona, since) and consents by (customer, purpose, ts), and `Customer.refused`
is rewritten from the customer's whole consent history in the same query. Identities are hashed and resolved with
the merge rule of `ingest.identity`; the caller relinks the journeys of the survivors of a merge
(`CustomersWritten.survivors`, `EventSink.relink`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph.ontology import PII_PREFIX
from graph.privacy import consent_id
from graph.store import GraphStore
from ingest import identity
from ingest.contracts import CustomerRecord
from ingest.lookups import identity_owners, known_customers
from ingest.merging import merge_customer


@dataclass(frozen=True)
class CustomersWritten:
    new_customers: int  # customers the graph did not have before
    survivors: list[str]  # customers an identity merge gave another customer's history: relink their journeys


def write_customers(store: GraphStore, records: Sequence[CustomerRecord], secret: bytes, now: int
                    ) -> CustomersWritten:
    """Upsert one batch of customer records."""
    latest = {r.customer_id: r for r in records}  # a customer twice in one batch: the last record wins
    ids = sorted(latest)
    refs_of = {cid: identity.refs(secret, latest[cid].identities) for cid in ids}
    keys = sorted({r.key for refs in refs_of.values() for r in refs})
    owner_of_key = identity_owners(store, keys) if keys else {}
    known = known_customers(store, sorted(set(ids) | set(owner_of_key.values())))
    graph = identity.IdentityGraph(owner=dict(owner_of_key))
    for cid, customer in known.items():
        graph.kinds[cid] = Counter(customer.identity_kinds)
        if customer.merged_into:
            graph.merged_into[cid] = customer.merged_into
    attach: dict[str, identity.IdentityRef] = {}
    merges: list[tuple[str, str]] = []
    for cid in ids:
        if refs_of[cid]:
            resolution = graph.resolve(cid, refs_of[cid])
            merges += [(loser, resolution.customer_id) for loser in resolution.merged]
            attach.update((ref.key, ref) for ref in resolution.attach)
    for loser, winner in merges:
        merge_customer(store, loser, winner, now)

    existing = {row["cid"]: row["attributes"] for row in store.run("customer-attributes", {"ids": ids})}
    rows, shows, consents = [], [], []
    for cid in ids:
        record = latest[cid]
        attributes = _merged_attributes(existing.get(cid), record.attributes)
        rows.append({"id": cid, "stage": record.relationship_stage, "attributes": attributes,
                     "pii": {f"{PII_PREFIX}{k}": v for k, v in record.pii.items()}})
        target = graph.current(cid)
        seen: set[tuple[str, int | None]] = set()
        for claim in record.personas:
            if (claim.persona, claim.since) not in seen:
                seen.add((claim.persona, claim.since))
                shows.append({"customer_id": target, "persona": claim.persona, "weight": claim.weight,
                              "since": claim.since, "until": claim.until, "source": claim.source})
        for consent in record.consents:
            consents.append({"id": consent_id(target, consent.purpose, consent.ts), "customer_id": target,
                             "purpose": consent.purpose, "granted": consent.granted, "ts": consent.ts,
                             "source": consent.source})
    identities = [{"key": key, "kind": ref.kind, "hash": ref.hash, "customer_id": graph.current(graph.owner[key])}
                  for key, ref in sorted(attach.items())]
    # `refused` is rewritten from the whole history of every customer whose consents this batch or a merge touched
    refresh = sorted({str(c["customer_id"]) for c in consents} | {cid for merge in merges for cid in merge})
    store.run("customers-upsert", {"now": now, "rows": rows, "identities": identities, "shows": shows,
                                   "consents": list({c["id"]: c for c in consents}.values()), "refresh": refresh})
    return CustomersWritten(len(set(ids) - set(known)), sorted({winner for _, winner in merges}))


def _merged_attributes(stored: Any, incoming: dict[str, Any] | Any) -> str | None:
    """The stored attributes JSON with the incoming keys laid over it (attributes merge; they never vanish)."""
    merged: dict[str, Any] = {}
    if isinstance(stored, str) and stored:
        try:
            loaded = json.loads(stored)
        except json.JSONDecodeError:
            loaded = {}
        if isinstance(loaded, dict):
            merged.update(loaded)
    merged.update(dict(incoming or {}))
    return json.dumps(merged, sort_keys=True, ensure_ascii=False, default=str) if merged else None
