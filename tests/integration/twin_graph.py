"""Hand-made test graphs shaped exactly as docs/graph-model.md describes, written with plain Cypher.

`load_twin(store, customers, events, catalog)` takes the contract's JSON shapes (events.jsonl / customers.jsonl rows
and a catalog dict) with timestamps as RFC 3339 text or epoch ms, and writes Customer, SHOWS, Interaction,
PERFORMED, AT, ON, IN_STAGE, Journey, TOOK, INCLUDES, NEXT, HIT, OCCURS_AT, SWITCHED_TO, OWNS, GAVE and the catalog
nodes, and the derived `Customer.refused`. It is deliberately independent of ingest/, so the questions are tested
against the contract, not against whatever ingest happens to write. The live state is then derived from that graph
as for a twin ingested without it (`graph.live_state.repair.rebuild`, what `dtc verify --repair` runs).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cypher import to_epoch_ms
from graph.live_state.repair import rebuild
from graph.ontology import STAGES
from graph.store import GraphStore

DAY_MS = 86_400_000
JOURNEY_GAP_MS = 30 * DAY_MS


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ms(value: Any) -> int | None:
    return None if value is None else to_epoch_ms(value)


def load_twin(store: GraphStore, customers: Iterable[Mapping[str, Any]], events: Iterable[Mapping[str, Any]],
              catalog: Mapping[str, Any] | None = None) -> None:
    catalog = catalog or {}
    customers = list(customers)
    events = [_event(e, customers) for e in events]
    _catalog(store, catalog, events)
    store.write_batches(
        "UNWIND $rows AS row MERGE (c:Customer {id: row.id}) SET c.relationship_stage = row.stage, "
        "c.pii_name = row.name",
        [{"id": c["customer_id"], "stage": c.get("relationship_stage"), "name": (c.get("pii") or {}).get("name")}
         for c in customers],
    )
    store.write_batches(
        "UNWIND $rows AS row MATCH (c:Customer {id: row.customer}) MERGE (p:Persona {code: row.persona}) "
        "CREATE (c)-[:SHOWS {weight: row.weight, since: row.since, until: row.until, source: row.source}]->(p)",
        [{"customer": c["customer_id"], "persona": a["persona"], "weight": a.get("weight", 1.0),
          "since": ms(a.get("since")), "until": ms(a.get("until")), "source": a.get("source", "declared")}
         for c in customers for a in c.get("personas", [])],
    )
    store.write_batches(
        "UNWIND $rows AS row MATCH (c:Customer {id: row.customer}) "
        "CREATE (c)-[:GAVE]->(:Consent {id: row.id, customer_id: row.customer, purpose: row.purpose, "
        "granted: row.granted, ts: row.ts})",
        [{"id": f"{c['customer_id']}:{k['purpose']}:{ms(k['ts'])}", "customer": c["customer_id"],
          "purpose": k["purpose"], "granted": k["granted"], "ts": ms(k["ts"])}
         for c in customers for k in c.get("consents", [])],
    )
    store.write_batches(  # the derived `refused` list the contract keeps beside the consent history
        "UNWIND $rows AS row MATCH (c:Customer {id: row.customer}) SET c.refused = row.refused",
        [{"customer": c["customer_id"], "refused": refused_purposes(c.get("consents", []))}
         for c in customers if refused_purposes(c.get("consents", []))],
    )
    store.write_batches(
        "UNWIND $rows AS row MERGE (c:Customer {id: row.customer_id}) "
        "CREATE (c)-[:PERFORMED]->(i:Interaction) SET i = row.props "
        "WITH i, row MATCH (t:Touchpoint {code: row.props.touchpoint}) CREATE (i)-[:AT]->(t) "
        "WITH i, row UNWIND row.frictions AS code MATCH (f:FrictionPoint {code: code}) CREATE (i)-[:HIT]->(f)",
        [{"customer_id": e["customer_id"], "props": e, "frictions": e.get("frictions", [])} for e in events],
    )
    store.write_batches(
        "UNWIND $rows AS row MATCH (c:Customer {id: row.customer_id}) MATCH (k:Competitor {code: row.competitor}) "
        "CREATE (c)-[:SWITCHED_TO {ts: row.ts, event_id: row.id}]->(k)",
        [e for e in events if e["type"] == "switch"],
    )
    _journeys(store, events)
    rebuild(store)


def refused_purposes(consents: Iterable[Mapping[str, Any]]) -> list[str]:
    """docs/graph-model.md's `Customer.refused`: per purpose the decision with the largest ts (an undated one is the
    oldest; at the same ts a refusal wins) decides; the sorted purposes it refuses."""
    latest: dict[str, tuple[int, bool]] = {}
    for k in consents:
        ts = ms(k.get("ts"))
        decision = (-1 if ts is None else ts, not k["granted"])
        latest[k["purpose"]] = max(latest.get(k["purpose"], decision), decision)
    return sorted(purpose for purpose, (_, refusal) in latest.items() if refusal)


def _event(raw: Mapping[str, Any], customers: list[dict[str, Any]]) -> dict[str, Any]:
    event = {k: v for k, v in raw.items() if k not in ("event_id", "friction", "identities", "attributes")}
    event["id"] = raw["event_id"]
    event["ts"] = ms(raw["ts"])
    if "customer_id" not in raw:  # an identity-only event belongs to the customer declaring that identity
        seen = set(raw["identities"].items())
        event["customer_id"] = next(c["customer_id"] for c in customers
                                    if seen & set((c.get("identities") or {}).items()))
    if raw.get("friction"):
        event["frictions"] = list(raw["friction"])
    return event


def _catalog(store: GraphStore, catalog: Mapping[str, Any], events: list[dict[str, Any]]) -> None:
    store.write_batches("UNWIND $rows AS row MERGE (s:Stage {name: row.name}) SET s.order = row.order",
                        [{"name": s, "order": n} for n, s in enumerate(STAGES, start=1)])
    store.write_batches(
        "UNWIND $rows AS row MERGE (p:Persona {code: row.code}) SET p.name = row.name, "
        "p.description = row.description", catalog.get("personas", []))
    store.write_batches(
        "UNWIND $rows AS row MERGE (s:Stakeholder {code: row.code}) SET s.name = row.name, "
        "s.support = row.support, s.influence = row.influence", catalog.get("stakeholders", []))
    touchpoints = {t["code"]: dict(t) for t in catalog.get("touchpoints", [])}
    for e in events:  # codes the catalog lacks are created on the fly (auto), as ingest does
        touchpoints.setdefault(e["touchpoint"], {"code": e["touchpoint"], "channel": e["channel"],
                                                 "stage": e.get("stage", "consideration"), "auto": True})
    store.write_batches(
        "UNWIND $rows AS row MERGE (t:Touchpoint {code: row.code}) SET t.name = row.name, t.channel = row.channel, "
        "t.stage = row.stage, t.owner = row.owner, t.auto = row.auto "
        "MERGE (ch:Channel {code: row.channel}) MERGE (t)-[:ON]->(ch) "
        "WITH t, row MATCH (s:Stage {name: row.stage}) MERGE (t)-[:IN_STAGE]->(s) "
        "WITH t, row MATCH (o:Stakeholder {code: row.owner}) MERGE (o)-[:OWNS]->(t)",
        [{"name": None, "owner": None, "auto": None, **t} for t in touchpoints.values()],
    )
    for e in events:
        e.setdefault("stage", touchpoints[e["touchpoint"]]["stage"])
    frictions = {f["code"]: dict(f) for f in catalog.get("frictions", [])}
    for e in events:
        for code in e.get("frictions", []):
            frictions.setdefault(code, {"code": code, "auto": True})
    store.write_batches(
        "UNWIND $rows AS row MERGE (f:FrictionPoint {code: row.code}) SET f.name = row.name, "
        "f.touchpoint = row.touchpoint, f.owner = row.owner, f.auto = row.auto "
        "WITH f, row MATCH (t:Touchpoint {code: row.touchpoint}) MERGE (f)-[:OCCURS_AT]->(t) "
        "WITH f, row MATCH (o:Stakeholder {code: row.owner}) MERGE (o)-[:OWNS]->(f)",
        [{"name": None, "touchpoint": None, "owner": None, "auto": None, **f} for f in frictions.values()],
    )
    competitors = {c["code"] for c in catalog.get("competitors", [])} | {
        e["competitor"] for e in events if e.get("competitor")}
    store.write_batches("UNWIND $rows AS row MERGE (:Competitor {code: row.code})",
                        [{"code": c} for c in sorted(competitors)])


def _journeys(store: GraphStore, events: list[dict[str, Any]]) -> None:
    """Split each customer's events into journeys (session_id, else a 30-day gap) and chain them with NEXT."""
    by_customer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        by_customer[e["customer_id"]].append(e)
    journeys: list[dict[str, Any]] = []
    for customer, own in by_customer.items():
        own.sort(key=lambda e: (e["ts"], e["id"]))
        groups: dict[str, list[dict[str, Any]]] = {}
        current: list[dict[str, Any]] | None = None
        for e in own:
            if e.get("session_id"):
                groups.setdefault(f"{customer}:s:{e['session_id']}", []).append(e)
                continue
            if current is None or e["ts"] - current[-1]["ts"] > JOURNEY_GAP_MS:
                current = groups.setdefault(f"{customer}:{e['id']}", [])
            current.append(e)
        for journey_id, steps in groups.items():
            journeys.append({"id": journey_id, "customer": customer, "start": steps[0]["ts"],
                             "end": steps[-1]["ts"], "steps": [s["id"] for s in steps]})
    store.write_batches(
        "UNWIND $rows AS row MATCH (c:Customer {id: row.customer}) "
        "CREATE (c)-[:TOOK]->(j:Journey {id: row.id, customer_id: row.customer, start_ts: row.start, "
        "end_ts: row.end, size: size(row.steps)}) "
        "WITH j, row UNWIND range(0, size(row.steps) - 1) AS k "
        "MATCH (i:Interaction {id: row.steps[k]}) SET i.journey_id = row.id CREATE (j)-[:INCLUDES {seq: k + 1}]->(i)",
        journeys,
    )
    store.write_batches(
        "UNWIND $rows AS row MATCH (a:Interaction {id: row.a}), (b:Interaction {id: row.b}) CREATE (a)-[:NEXT]->(b)",
        [{"a": a, "b": b} for j in journeys for a, b in zip(j["steps"], j["steps"][1:], strict=False)],
    )


def example_catalog(examples: Path) -> dict[str, Any]:
    """The Sydney catalog without its empathy maps (whose unquoted '?' PyYAML cannot read; no question needs them)."""
    import yaml

    lines = (examples / "catalog.yaml").read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines
            if not line.strip().startswith(("empathy:", "think:", "feel:", "say:", "do:"))]
    catalog: dict[str, Any] = yaml.safe_load("\n".join(kept))
    return catalog
