"""The Sydney example written straight into the graph with Cypher, following docs/graph-model.md.

Used until the whole ingest path can load the example for the API tests; the expected numbers in the tests hold
for either loader.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from cypher import to_epoch_ms
from graph.store import GraphStore

STAGE_ORDER = {"awareness": 1, "consideration": 2, "purchase": 3, "retention": 4, "advocacy": 5}
JOURNEY_GAP_MS = 30 * 24 * 3600 * 1000


def load_example(store: GraphStore, examples: Path) -> None:
    catalog = yaml.safe_load(_quote_empathy((examples / "catalog.yaml").read_text()))
    customers = [json.loads(line) for line in (examples / "customers.jsonl").read_text().splitlines() if line]
    events = [json.loads(line) for line in (examples / "events.jsonl").read_text().splitlines() if line]
    _catalog(store, catalog)
    _customers(store, customers)
    emails = {c["identities"]["email"]: c["customer_id"] for c in customers if "email" in c.get("identities", {})}
    for e in events:
        e.setdefault("customer_id", emails.get(e.get("identities", {}).get("email", "")))
    write_events(store, events, {t["code"]: t.get("stage") for t in catalog["touchpoints"]})


def _quote_empathy(text: str) -> str:
    """Quote the empathy-map flow lists: PyYAML reads `[Will this colour really suit me?]` as a syntax error."""
    def quoted(m: re.Match[str]) -> str:
        return m[1] + json.dumps([item.strip() for item in m[2].split(",")])
    return re.sub(r"^(\s+(?:think|feel|say|do): )\[(.*)\]\s*$", quoted, text, flags=re.M)


def _catalog(store: GraphStore, catalog: dict[str, Any]) -> None:
    store.write("UNWIND $rows AS r MERGE (s:Stage {name: r.name}) SET s.order = r.order",
                {"rows": [{"name": k, "order": v} for k, v in STAGE_ORDER.items()]})
    store.write("UNWIND $rows AS r MERGE (p:Persona {code: r.code}) SET p.name = r.name, "
                "p.description = r.description, p.goals = r.goals, p.pains = r.pains",
                {"rows": [{"goals": [], "pains": [], "description": None, **p} for p in catalog["personas"]]})
    insights = [{"id": f"{p['code']}:{q}:{i}", "persona": p["code"], "quadrant": q, "text": t}
                for p in catalog["personas"] for q, texts in (p.get("empathy") or {}).items()
                for i, t in enumerate(texts)]
    store.write("UNWIND $rows AS r MATCH (p:Persona {code: r.persona}) MERGE (i:Insight {id: r.id}) "
                "SET i.persona = r.persona, i.quadrant = r.quadrant, i.text = r.text MERGE (p)-[:HAS_INSIGHT]->(i)",
                {"rows": insights})
    store.write("UNWIND $rows AS r MERGE (c:Channel {code: r.code}) SET c.name = r.name, c.kind = r.kind",
                {"rows": catalog["channels"]})
    store.write("UNWIND $rows AS r MERGE (s:Stakeholder {code: r.code}) SET s.name = r.name, s.support = r.support, "
                "s.influence = r.influence", {"rows": catalog["stakeholders"]})
    store.write("UNWIND $rows AS r MERGE (t:Touchpoint {code: r.code}) SET t.name = r.name, t.channel = r.channel, "
                "t.stage = r.stage, t.owner = r.owner WITH t, r MATCH (c:Channel {code: r.channel}) "
                "MATCH (s:Stage {name: r.stage}) MATCH (o:Stakeholder {code: r.owner}) "
                "MERGE (t)-[:ON]->(c) MERGE (t)-[:IN_STAGE]->(s) MERGE (o)-[:OWNS]->(t)",
                {"rows": catalog["touchpoints"]})
    store.write("UNWIND $rows AS r MERGE (f:FrictionPoint {code: r.code}) SET f.name = r.name, "
                "f.touchpoint = r.touchpoint, f.owner = r.owner WITH f, r MATCH (t:Touchpoint {code: r.touchpoint}) "
                "MATCH (o:Stakeholder {code: r.owner}) MERGE (f)-[:OCCURS_AT]->(t) MERGE (o)-[:OWNS]->(f)",
                {"rows": catalog["frictions"]})
    store.write("UNWIND $rows AS r MERGE (t:TriggerEvent {code: r.code}) SET t.name = r.name",
                {"rows": catalog["triggers"]})
    store.write("UNWIND $rows AS r MERGE (a:Action {code: r.code}) SET a.name = r.name, a.kind = r.kind, "
                "a.trigger = r.trigger, a.when = r.when, "
                "a.purpose = CASE WHEN r.kind IN ['product', 'content'] THEN 'marketing' ELSE 'service' END "
                "WITH a, r MATCH (t:TriggerEvent {code: r.trigger}) MERGE (t)-[:SUGGESTS {when: r.when}]->(a)",
                {"rows": catalog["actions"]})
    store.write("UNWIND $rows AS r MERGE (k:Competitor {code: r.code}) SET k.name = r.name",
                {"rows": catalog["competitors"]})


def _customers(store: GraphStore, customers: list[dict[str, Any]]) -> None:
    for c in customers:
        props = {f"pii_{k}": v for k, v in (c.get("pii") or {}).items()}
        store.write("MERGE (c:Customer {id: $id}) SET c += $props, c.attributes = $attributes",
                    {"id": c["customer_id"], "props": props, "attributes": json.dumps(c.get("attributes") or {})})
        for p in c.get("personas", []):
            store.write("MATCH (c:Customer {id: $id}), (p:Persona {code: $persona}) "
                        "CREATE (c)-[:SHOWS {weight: $weight, since: $since, until: $until, source: $source}]->(p)",
                        {"id": c["customer_id"], "persona": p["persona"], "weight": p.get("weight", 1.0),
                         "since": to_epoch_ms(p["since"]) if p.get("since") else None,
                         "until": to_epoch_ms(p["until"]) if p.get("until") else None, "source": p.get("source")})
        for k in c.get("consents", []):
            ts = to_epoch_ms(k["ts"]) if k.get("ts") else None
            store.write("MATCH (c:Customer {id: $id}) MERGE (k:Consent {id: $kid}) "
                        "SET k.customer_id = $id, k.purpose = $purpose, k.granted = $granted, k.ts = $ts "
                        "MERGE (c)-[:GAVE]->(k)",
                        {"id": c["customer_id"], "kid": f"{c['customer_id']}:{k['purpose']}:{ts}",
                         "purpose": k["purpose"], "granted": k["granted"], "ts": ts})


def write_events(store: GraphStore, events: list[dict[str, Any]], stages: dict[str, str | None] | None = None) -> None:
    """Write events with their journeys (split by the 30-day gap), in the shape ingest writes them."""
    by_customer: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        e["ts_ms"] = to_epoch_ms(e["ts"])
        by_customer.setdefault(e["customer_id"], []).append(e)
    rows, journeys = [], []
    for customer_id, evs in by_customer.items():
        evs.sort(key=lambda e: (e["ts_ms"], e["event_id"]))
        current: list[dict[str, Any]] = []
        groups = [current]
        for e in evs:
            if current and e["ts_ms"] - current[-1]["ts_ms"] > JOURNEY_GAP_MS:
                current = []
                groups.append(current)
            current.append(e)
        for group in groups:
            jid = f"{customer_id}:{group[0]['event_id']}"
            journeys.append({"id": jid, "customer_id": customer_id, "start_ts": group[0]["ts_ms"],
                             "end_ts": group[-1]["ts_ms"], "size": len(group)})
            for seq, e in enumerate(group, start=1):
                rows.append({
                    "id": e["event_id"], "customer_id": customer_id, "journey_id": jid, "seq": seq,
                    "prev": group[seq - 2]["event_id"] if seq > 1 else None,
                    "props": {k: v for k, v in {
                        "ts": e["ts_ms"], "type": e["type"], "customer_id": customer_id, "journey_id": jid,
                        "channel": e["channel"], "touchpoint": e["touchpoint"], "outcome": e.get("outcome"),
                        "stage": e.get("stage") or (stages or {}).get(e["touchpoint"]),
                        "experience": e.get("experience"), "csat": e.get("csat"), "ces": e.get("ces"),
                        "nps": e.get("nps"), "sentiment": e.get("sentiment"), "text": e.get("text"),
                        "value": e.get("value"), "currency": e.get("currency"), "frictions": e.get("friction"),
                        "trigger": e.get("trigger"), "competitor": e.get("competitor"),
                    }.items() if v is not None},
                    "frictions": e.get("friction") or [], "trigger": e.get("trigger"),
                    "experience": e.get("experience"), "competitor": e.get("competitor"),
                })
    store.write("UNWIND $rows AS r MATCH (c:Customer {id: r.customer_id}) MERGE (j:Journey {id: r.id}) "
                "SET j.customer_id = r.customer_id, j.start_ts = r.start_ts, j.end_ts = r.end_ts, j.size = r.size "
                "MERGE (c)-[:TOOK]->(j)", {"rows": journeys})
    store.write_batches(
        "UNWIND $rows AS r MATCH (c:Customer {id: r.customer_id}), (j:Journey {id: r.journey_id}) "
        "MERGE (i:Interaction {id: r.id}) SET i += r.props "
        "MERGE (c)-[:PERFORMED]->(i) MERGE (j)-[:INCLUDES {seq: r.seq}]->(i) "
        "WITH i, r MATCH (t:Touchpoint {code: i.touchpoint}) MERGE (i)-[:AT]->(t)", rows)
    store.write_batches("UNWIND $rows AS r MATCH (a:Interaction {id: r.prev}), (b:Interaction {id: r.id}) "
                        "MERGE (a)-[:NEXT]->(b)", [r for r in rows if r["prev"]])
    store.write_batches("UNWIND $rows AS r UNWIND r.frictions AS code MATCH (i:Interaction {id: r.id}) "
                        "MATCH (f:FrictionPoint {code: code}) MERGE (i)-[:HIT]->(f)", rows)
    store.write_batches("UNWIND $rows AS r MATCH (i:Interaction {id: r.id}), (t:TriggerEvent {code: r.trigger}) "
                        "MERGE (i)-[:TRIGGERED {experience: r.experience}]->(t)", [r for r in rows if r["trigger"]])
    store.write_batches("UNWIND $rows AS r MATCH (c:Customer {id: r.customer_id}), (k:Competitor {code: r.competitor}) "
                        "CREATE (c)-[:SWITCHED_TO {ts: r.props.ts, event_id: r.id}]->(k)",
                        [r for r in rows if r["competitor"]])
