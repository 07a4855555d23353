"""Hand-built twin graphs for the intelligence tests, written with Cypher exactly as docs/graph-model.md describes.

Kept independent of ingest so these tests pin the graph contract, not one writer's behaviour.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from graph.privacy import consent_id
from graph.store import GraphStore

DAY_MS = 86_400_000
JOURNEY_GAP_MS = 30 * DAY_MS
# a delivery trigger whose negative outcome the catalog answers with a service call and a marketing voucher
DELIVERY_CATALOG: dict[str, Any] = {
    "personas": [{"code": "trend-seeker", "name": "Trend seeker"}],
    "triggers": [{"code": "delivery", "name": "Delivery"}],
    "actions": [
        {"code": "apology_call", "name": "Call to apologise", "kind": "contact", "trigger": "delivery",
         "when": "negative"},
        {"code": "voucher", "name": "A voucher for the next order", "kind": "product", "trigger": "delivery",
         "when": "negative"},
        {"code": "refer_a_friend", "name": "Invite to refer a friend", "kind": "content", "trigger": "delivery",
         "when": "exceeded"},
    ],
}


def ms(rfc3339: str) -> int:
    return int(datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).timestamp() * 1000)


def load_catalog(store: GraphStore, catalog: Mapping[str, Any]) -> None:
    for p in catalog.get("personas", []):
        store.write("MERGE (p:Persona {code: $code}) SET p.name = $name, p.description = $description",
                    {"code": p["code"], "name": p.get("name"), "description": p.get("description")})
        for quadrant, texts in (p.get("empathy") or {}).items():
            for n, text in enumerate(texts):
                store.write(
                    "MATCH (p:Persona {code: $persona}) MERGE (i:Insight {id: $id}) "
                    "SET i.persona = $persona, i.quadrant = $quadrant, i.text = $text MERGE (p)-[:HAS_INSIGHT]->(i)",
                    {"persona": p["code"], "id": f"{p['code']}:{quadrant}:{n}", "quadrant": quadrant, "text": text})
    for c in catalog.get("channels", []):
        store.write("MERGE (c:Channel {code: $code}) SET c.name = $name", {"code": c["code"], "name": c.get("name")})
    for t in catalog.get("touchpoints", []):
        add_touchpoint(store, t["code"], t["channel"], t.get("stage"), t.get("name"))
    for f in catalog.get("frictions", []):
        store.write("MERGE (f:FrictionPoint {code: $code}) SET f.name = $name, f.description = $description, "
                    "f.touchpoint = $touchpoint",
                    {"code": f["code"], "name": f.get("name"), "description": f.get("description"),
                     "touchpoint": f.get("touchpoint")})
    for t in catalog.get("triggers", []):
        store.write("MERGE (t:TriggerEvent {code: $code}) SET t.name = $name", {"code": t["code"], "name": t["name"]})
    for a in catalog.get("actions", []):
        purpose = "marketing" if a.get("kind") in ("product", "content") else "service"
        store.write(
            "MERGE (a:Action {code: $code}) SET a.name = $name, a.kind = $kind, a.trigger = $trigger, a.when = $when, "
            "a.purpose = $purpose WITH a MATCH (t:TriggerEvent {code: $trigger}) "
            "MERGE (t)-[:SUGGESTS {when: $when}]->(a)",
            {"code": a["code"], "name": a["name"], "kind": a.get("kind"), "trigger": a.get("trigger"),
             "when": a.get("when"), "purpose": purpose})
    for c in catalog.get("competitors", []):
        store.write("MERGE (c:Competitor {code: $code}) SET c.name = $name", {"code": c["code"], "name": c.get("name")})


def add_touchpoint(store: GraphStore, code: str, channel: str, stage: str | None = None,
                   name: str | None = None) -> None:
    store.write("MERGE (c:Channel {code: $channel}) MERGE (t:Touchpoint {code: $code}) "
                "SET t.channel = $channel, t.stage = $stage, t.name = $name MERGE (t)-[:ON]->(c)",
                {"code": code, "channel": channel, "stage": stage, "name": name})


def add_customer(store: GraphStore, customer_id: str, personas: Sequence[Mapping[str, Any]] = (),
                 consents: Sequence[Mapping[str, Any]] = ()) -> None:
    store.write("MERGE (c:Customer {id: $id})", {"id": customer_id})
    for p in personas:
        add_assignment(store, customer_id, p["persona"], p.get("weight", 1.0), _ts(p.get("since")),
                       _ts(p.get("until")), p.get("source", "declared"))
    for c in consents:
        ts = _ts(c.get("ts"))
        store.write("MATCH (c:Customer {id: $customer}) MERGE (k:Consent {id: $id}) SET k.customer_id = $customer, "
                    "k.purpose = $purpose, k.granted = $granted, k.ts = $ts MERGE (c)-[:GAVE]->(k)",
                    {"customer": customer_id, "id": consent_id(customer_id, c["purpose"], ts), "purpose": c["purpose"],
                     "granted": c["granted"], "ts": ts})


def add_assignment(store: GraphStore, customer_id: str, persona: str, weight: float, since: int | None = None,
                   until: int | None = None, source: str = "declared") -> None:
    store.write("MATCH (c:Customer {id: $customer}) MERGE (p:Persona {code: $persona}) "
                "CREATE (c)-[:SHOWS {weight: $weight, since: $since, until: $until, source: $source}]->(p)",
                {"customer": customer_id, "persona": persona, "weight": weight, "since": since, "until": until,
                 "source": source})


def add_events(store: GraphStore, events: Iterable[Mapping[str, Any]]) -> None:
    """Write events as Interactions with their links, then chain each customer's journeys with NEXT."""
    by_customer: dict[str, list[dict[str, Any]]] = {}
    for raw in events:
        event = dict(raw)
        event["ts"] = _ts(event["ts"])
        by_customer.setdefault(event["customer_id"], []).append(event)
    rows: list[dict[str, Any]] = []
    chains: list[dict[str, str]] = []
    for customer_id, customer_events in by_customer.items():
        customer_events.sort(key=lambda e: (e["ts"], e["event_id"]))
        journey, previous, seq_start = "", None, 1
        for seq, e in enumerate(customer_events, start=1):
            if previous is None or e["ts"] - previous["ts"] > JOURNEY_GAP_MS:
                journey, seq_start = f"{customer_id}:{e['event_id']}", seq
            else:
                chains.append({"a": previous["event_id"], "b": e["event_id"]})
            rows.append({
                "id": e["event_id"], "customer": customer_id, "journey": journey, "seq": seq - seq_start + 1,
                "ts": e["ts"], "type": e.get("type", "interaction"), "channel": e.get("channel"),
                "touchpoint": e["touchpoint"], "outcome": e.get("outcome"), "experience": e.get("experience"),
                "csat": e.get("csat"), "sentiment": e.get("sentiment"), "text": e.get("text"),
                "value": e.get("value"), "frictions": e.get("friction") or None, "trigger": e.get("trigger"),
                "competitor": e.get("competitor"), "product": e.get("product"),
            })
            previous = e
    store.write_batches(
        "UNWIND $rows AS row MERGE (c:Customer {id: row.customer}) "
        "MERGE (t:Touchpoint {code: row.touchpoint}) "
        "CREATE (i:Interaction {id: row.id, customer_id: row.customer, journey_id: row.journey, ts: row.ts, "
        "type: row.type, touchpoint: row.touchpoint}) "
        "SET i.channel = row.channel, i.outcome = row.outcome, i.experience = row.experience, i.csat = row.csat, "
        "i.sentiment = row.sentiment, i.text = row.text, i.value = row.value, i.frictions = row.frictions, "
        "i.trigger = row.trigger, i.competitor = row.competitor, i.product = row.product "
        "MERGE (j:Journey {id: row.journey}) SET j.customer_id = row.customer "
        "MERGE (c)-[:PERFORMED]->(i) MERGE (i)-[:AT]->(t) MERGE (c)-[:TOOK]->(j) "
        "MERGE (j)-[:INCLUDES {seq: row.seq}]->(i)",
        rows)
    store.write_batches(
        "UNWIND $rows AS row MATCH (i:Interaction {id: row.id}) UNWIND row.frictions AS code "
        "MERGE (f:FrictionPoint {code: code}) MERGE (i)-[:HIT]->(f)",
        [r for r in rows if r["frictions"]])
    store.write_batches(
        "UNWIND $rows AS row MATCH (i:Interaction {id: row.id}) MERGE (t:TriggerEvent {code: row.trigger}) "
        "MERGE (i)-[r:TRIGGERED]->(t) SET r.experience = row.experience",
        [r for r in rows if r["trigger"]])
    store.write_batches(
        "UNWIND $rows AS row MATCH (c:Customer {id: row.customer}) MERGE (k:Competitor {code: row.competitor}) "
        "CREATE (c)-[:SWITCHED_TO {ts: row.ts, event_id: row.id}]->(k)",
        [r for r in rows if r["type"] == "switch"])
    store.write_batches("UNWIND $rows AS row MATCH (a:Interaction {id: row.a}), (b:Interaction {id: row.b}) "
                        "MERGE (a)-[:NEXT]->(b)", chains)


def load_sydney_example(store: GraphStore, examples: Path) -> None:
    """The contract examples: catalog, customers (personas, consents) and events."""
    load_catalog(store, yaml.safe_load(_quote_empathy((examples / "catalog.yaml").read_text())))
    for line in (examples / "customers.jsonl").read_text().splitlines():
        customer = json.loads(line)
        add_customer(store, customer["customer_id"], customer.get("personas", []), customer.get("consents", []))
    events = [json.loads(line) for line in (examples / "events.jsonl").read_text().splitlines()]
    for e in events:
        e.setdefault("customer_id", "sydney")  # e5 carries only Sydney's e-mail identity
    add_events(store, events)


def _quote_empathy(text: str) -> str:
    """Quote the empathy-map flow lists: PyYAML reads `[Will this colour really suit me?]` as a syntax error."""
    def quoted(m: re.Match[str]) -> str:
        return m[1] + json.dumps([item.strip() for item in m[2].split(",")])
    return re.sub(r"^(\s+(?:think|feel|say|do): )\[(.*)\]\s*$", quoted, text, flags=re.M)


def _ts(value: Any) -> int | None:
    if value is None or isinstance(value, int):
        return value
    return ms(str(value))


def rows_returned(store: GraphStore, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[int]]:
    """From now on, how many rows each named query run on `store` returned, call by call."""
    returned: dict[str, list[int]] = {}
    run = store.run

    def recording(name: str, params: Mapping[str, Any] | None = None, *, bulk: bool = False) -> list[dict[str, Any]]:
        rows = run(name, params, bulk=bulk)
        returned.setdefault(name, []).append(len(rows))
        return rows

    monkeypatch.setattr(store, "run", recording)
    return returned
