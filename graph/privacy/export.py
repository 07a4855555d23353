"""The right of access: everything the twin holds about one person, as JSON-ready data, audited."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from cypher import now_ms
from graph.ontology import PII_PREFIX
from graph.privacy.audit import EXPORTED, audit, audit_log, customer_ref
from graph.privacy.consent import consents
from graph.store import GraphStore


def export_customer(store: GraphStore, customer_id: str, *, actor: str, subject_key: bytes) -> dict[str, Any]:
    """Everything the twin holds about one person, as JSON-ready data; {} when it holds nothing. Audited."""
    ref = customer_ref(customer_id, subject_key)
    params = {"id": customer_id}
    found = store.run("export-customer", params)
    if not found:
        audit(store, actor, EXPORTED, ref, "found=false")
        return {}
    props: dict[str, Any] = found[0]["c"]
    interactions = [r["i"] for r in store.run("export-interactions", params)]
    for interaction in interactions:
        _parse_json_field(interaction, "attributes")
    journeys = store.run("export-journeys", params)
    personas = store.run("export-personas", params)
    identities = store.run("export-identities", params)
    switches = store.run("export-switches", params)
    embedded = store.run("export-embeddings", params)
    history = consents(store, customer_id)
    trail = audit_log(store, limit=10_000, subject=ref)
    profile = {k: v for k, v in props.items() if not k.startswith(PII_PREFIX)}
    _parse_json_field(profile, "attributes")
    export: dict[str, Any] = {
        "customerId": customer_id,
        "exportedAt": now_ms(),
        "profile": profile,
        "pii": {k.removeprefix(PII_PREFIX): v for k, v in props.items() if k.startswith(PII_PREFIX)},
        "identities": identities,
        "personas": personas,
        "interactions": interactions,
        "journeys": [{**r["journey"], "interactions": r["interactions"]} for r in journeys],
        "switches": switches,
        "consents": history,
        "derived": _derived_scores(props, interactions, personas),
        "embeddings": embedded,
        "auditTrail": trail,
    }
    audit(store, actor, EXPORTED, ref,
          f"found=true interactions={len(interactions)} journeys={len(journeys)} consents={len(history)}")
    return export


def _derived_scores(profile: Mapping[str, Any], interactions: Sequence[Mapping[str, Any]],
                    personas: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """What the twin infers about the person, beside what it was told."""
    def mean(field: str) -> float | None:
        values = [float(i[field]) for i in interactions if isinstance(i.get(field), int | float)]
        return round(sum(values) / len(values), 4) if values else None

    frictions: dict[str, int] = {}
    for i in interactions:
        for code in i.get("frictions") or []:
            frictions[code] = frictions.get(code, 0) + 1
    return {
        "relationshipStage": profile.get("relationship_stage"),
        "modelPersonas": [p for p in personas if str(p.get("source") or "").startswith("model:")],
        "averageCsat": mean("csat"), "averageCes": mean("ces"), "averageNps": mean("nps"),
        "averageSentiment": mean("sentiment"),
        "frictionsHit": frictions,
    }


def _parse_json_field(row: dict[str, Any], field: str) -> None:
    value = row.get(field)
    if isinstance(value, str):
        try:
            row[field] = json.loads(value)
        except json.JSONDecodeError:
            pass  # not JSON: keep the text as it is
