"""Synthetic journeys written straight into the graph with Cypher, in the shape docs/graph-model.md fixes (journeys
split by the 30-day gap, INCLUDES with seq, NEXT, HIT, SWITCHED_TO), for tests that need many journeys fast."""

from __future__ import annotations

from typing import Any

from cypher import to_epoch_ms
from graph.store import GraphStore

JOURNEY_GAP_MS = 30 * 24 * 3600 * 1000


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
