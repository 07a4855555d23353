"""Time every named query on a generated graph of 1,000,000 interactions (embedded FalkorDB).

    .venv/bin/python bench/queries.py                     # 1M interactions, 100k customers
    .venv/bin/python bench/queries.py --interactions 100000 --runs 3

The graph is written straight into the store with `UNWIND $rows` batches in the shape docs/graph-model.md fixes:
~10 interactions per customer in 1-3 journeys (INCLUDES, NEXT), 5 personas with time-bounded SHOWS, 10 frictions
(HIT, ~15% of interactions), 3 competitors and ~5% of customers switching (a 'switch' Interaction plus SWITCHED_TO).
Each query runs once to warm up, then `--runs` times; the table gives median and p95 in ms, and each query's time
as a ratio of a bare scan of one persona's interactions measured in the same run (the floor any persona question
pays). Target: friction-to-competitors for one persona under 1 s at 1M interactions.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graph.embedded import start_or_attach  # noqa: E402
from graph.falkordb_store import FalkorDBStore  # noqa: E402
from graph.ontology import STAGES  # noqa: E402
from graph.store import GraphStore  # noqa: E402

DAY_MS = 86_400_000
START = 1_704_067_200_000  # 2024-01-01
PERSONAS = ("trend-seeker", "loyal-pro", "bargain-hunter", "busy-parent", "eco-conscious")
TOUCHPOINTS = (("influencer_post", "social", "awareness"), ("product_page", "web", "consideration"),
               ("ai_try_on", "mobile_app", "consideration"), ("checkout", "web", "purchase"),
               ("colour_appointment", "salon", "purchase"), ("aftercare", "call_center", "retention"),
               ("review_form", "web", "advocacy"))
FRICTIONS = tuple(f"friction_{n:02d}" for n in range(10))
COMPETITORS = ("glamco", "budgetbeauty", "quickglow")
STAKEHOLDERS = (("marketing", 0.9, 0.8), ("digital", 0.8, 0.3), ("salon_ops", 0.2, 0.9), ("support", 0.3, 0.2))
BATCH_CUSTOMERS = 1000

BARE_SCAN = """
MATCH (:Persona {code: $persona})<-[:SHOWS]-(c:Customer)-[:PERFORMED]->(i:Interaction)
RETURN max(i.ts) AS latest
"""


def customers(n_customers: int, per_customer: int, seed: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for number in range(n_customers):
        cid = f"c{number:07d}"
        personas = []
        primary = rng.choice(PERSONAS)
        change = START + rng.randrange(0, 540) * DAY_MS
        if rng.random() < 0.3:  # a persona that ends, and the one that follows it
            personas.append({"persona": primary, "weight": 0.9, "since": None, "until": change})
            personas.append({"persona": rng.choice(PERSONAS), "weight": 0.7, "since": change, "until": None})
        else:
            personas.append({"persona": primary, "weight": round(rng.uniform(0.5, 1.0), 2), "since": None,
                             "until": None})
        events: list[dict[str, Any]] = []
        journeys: list[dict[str, Any]] = []
        count = max(1, round(rng.gauss(per_customer, 3)))
        t = START + rng.randrange(0, 500) * DAY_MS
        n_journeys = rng.randint(1, 3)
        for j in range(n_journeys):
            steps = count // n_journeys + (1 if j < count % n_journeys else 0)
            if steps == 0:
                continue
            jid = f"{cid}:{cid}-{len(events)}"
            ids = []
            for _ in range(steps):
                t += rng.randrange(60_000, 3 * DAY_MS)
                tp, channel, stage = rng.choice(TOUCHPOINTS)
                eid = f"{cid}-{len(events)}"
                props: dict[str, Any] = {"id": eid, "ts": t, "type": rng.choice(("view", "search", "purchase")),
                                         "customer_id": cid, "journey_id": jid, "channel": channel,
                                         "touchpoint": tp, "stage": stage}
                if rng.random() < 0.3:
                    props["csat"] = rng.randint(1, 5)
                if rng.random() < 0.2:
                    props["ces"] = rng.randint(1, 7)
                if rng.random() < 0.15:
                    props["frictions"] = [rng.choice(FRICTIONS)]
                    props["experience"] = "negative"
                events.append(props)
                ids.append(eid)
            journeys.append({"id": jid, "start": events[-steps]["ts"], "end": t, "steps": ids})
            t += rng.randrange(31, 120) * DAY_MS
        if rng.random() < 0.05:  # the last interaction becomes a switch
            last = events[-1]
            last.update(type="switch", competitor=rng.choice(COMPETITORS))
            last.pop("frictions", None)
        yield {"id": cid, "personas": personas, "events": events, "journeys": journeys}


def load(store: GraphStore, n_customers: int, per_customer: int, seed: int) -> tuple[int, float]:
    started = time.perf_counter()
    _catalog(store)
    batch: list[dict[str, Any]] = []
    written = 0
    for customer in customers(n_customers, per_customer, seed):
        batch.append(customer)
        written += len(customer["events"])
        if len(batch) == BATCH_CUSTOMERS:
            _write(store, batch)
            batch = []
    if batch:
        _write(store, batch)
    return written, time.perf_counter() - started


def _catalog(store: GraphStore) -> None:
    store.write("UNWIND $rows AS row MERGE (s:Stage {name: row.name}) SET s.order = row.order",
                {"rows": [{"name": s, "order": n} for n, s in enumerate(STAGES, start=1)]})
    store.write("UNWIND $rows AS code MERGE (:Persona {code: code})", {"rows": list(PERSONAS)})
    store.write("UNWIND $rows AS row MERGE (s:Stakeholder {code: row[0]}) SET s.support = row[1], "
                "s.influence = row[2]", {"rows": [list(s) for s in STAKEHOLDERS]})
    store.write(
        "UNWIND $rows AS row MERGE (t:Touchpoint {code: row.code}) SET t.channel = row.channel, t.stage = row.stage "
        "MERGE (c:Channel {code: row.channel}) MERGE (t)-[:ON]->(c) "
        "WITH t, row MATCH (s:Stage {name: row.stage}) MERGE (t)-[:IN_STAGE]->(s) "
        "WITH t, row MATCH (o:Stakeholder {code: row.owner}) MERGE (o)-[:OWNS]->(t)",
        {"rows": [{"code": tp, "channel": ch, "stage": st, "owner": STAKEHOLDERS[n % len(STAKEHOLDERS)][0]}
                  for n, (tp, ch, st) in enumerate(TOUCHPOINTS)]})
    store.write(
        "UNWIND $rows AS row MERGE (f:FrictionPoint {code: row.code}) SET f.touchpoint = row.touchpoint "
        "WITH f, row MATCH (t:Touchpoint {code: row.touchpoint}) MERGE (f)-[:OCCURS_AT]->(t)",
        {"rows": [{"code": f, "touchpoint": TOUCHPOINTS[n % len(TOUCHPOINTS)][0]} for n, f in enumerate(FRICTIONS)]})
    store.write("UNWIND $rows AS code MERGE (:Competitor {code: code})", {"rows": list(COMPETITORS)})


def _write(store: GraphStore, batch: list[dict[str, Any]]) -> None:
    store.write(
        "UNWIND $rows AS row CREATE (c:Customer {id: row.id}) "
        "WITH c, row UNWIND row.personas AS a MATCH (p:Persona {code: a.persona}) "
        "CREATE (c)-[:SHOWS {weight: a.weight, since: a.since, until: a.until, source: 'bench'}]->(p)",
        {"rows": [{"id": c["id"], "personas": c["personas"]} for c in batch]})
    events = [e for c in batch for e in c["events"]]
    store.write(
        "UNWIND $rows AS e MATCH (c:Customer {id: e.customer_id}) MATCH (t:Touchpoint {code: e.touchpoint}) "
        "CREATE (c)-[:PERFORMED]->(i:Interaction)-[:AT]->(t) SET i = e",
        {"rows": events})
    store.write(
        "UNWIND $rows AS e MATCH (i:Interaction {id: e.id}) MATCH (f:FrictionPoint {code: e.friction}) "
        "CREATE (i)-[:HIT]->(f)",
        {"rows": [{"id": e["id"], "friction": f} for e in events for f in e.get("frictions", [])]})
    store.write(
        "UNWIND $rows AS e MATCH (c:Customer {id: e.customer_id}) MATCH (k:Competitor {code: e.competitor}) "
        "CREATE (c)-[:SWITCHED_TO {ts: e.ts, event_id: e.id}]->(k)",
        {"rows": [e for e in events if e["type"] == "switch"]})
    journeys = [{**j, "customer": c["id"]} for c in batch for j in c["journeys"]]
    store.write(
        "UNWIND $rows AS row MATCH (c:Customer {id: row.customer}) "
        "CREATE (c)-[:TOOK]->(j:Journey {id: row.id, customer_id: row.customer, start_ts: row.start, "
        "end_ts: row.end, size: size(row.steps)}) "
        "WITH j, row UNWIND range(0, size(row.steps) - 1) AS k MATCH (i:Interaction {id: row.steps[k]}) "
        "CREATE (j)-[:INCLUDES {seq: k + 1}]->(i)",
        {"rows": journeys})
    store.write(
        "UNWIND $rows AS row MATCH (a:Interaction {id: row[0]}) MATCH (b:Interaction {id: row[1]}) "
        "CREATE (a)-[:NEXT]->(b)",
        {"rows": [[a, b] for j in journeys for a, b in zip(j["steps"], j["steps"][1:], strict=False)]})


def timed(store: GraphStore, runs: int, call: Any) -> list[float]:
    call()  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--per-customer", type=int, default=10)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    n_customers = max(1, args.interactions // args.per_customer)
    with tempfile.TemporaryDirectory(prefix="dtc-bench-queries-") as tmp:
        server = start_or_attach(Path(tmp))
        store = FalkorDBStore(server.url, "127.0.0.1", server.port, "bench")
        try:
            store.ensure_schema()
            written, seconds = load(store, n_customers, args.per_customer, args.seed)
            print(f"loaded {written:,} interactions for {n_customers:,} customers in {seconds:.0f} s "
                  f"({written / seconds:,.0f}/s)")
            report(store, args.runs)
        finally:
            store.close()
            server.release()
    return 0


def report(store: GraphStore, runs: int) -> None:
    persona = PERSONAS[0]
    some_customer = "c0000042"
    cases: list[tuple[str, dict[str, Any]]] = [
        ("friction-to-competitors", {"persona": persona}),
        ("friction-to-competitors", {"persona": persona, "since": START + 180 * DAY_MS,
                                     "until": START + 360 * DAY_MS}),
        ("journey-map", {"persona": persona}),
        ("journey-paths", {"persona": persona}),
        ("stakeholder-map", {}),
        ("customer-twin", {"id": some_customer}),
        ("customer-timeline", {"id": some_customer}),
        ("customers-of-persona", {"persona": persona}),
        ("persona-summaries", {}),
        ("relationship-stage", {"ids": [some_customer, "c0000043", "c0000044"]}),
        ("cx-by-channel", {}),
        ("frictions-by-owner", {}),
    ]
    floor = statistics.median(timed(store, runs, lambda: store.read(BARE_SCAN, {"persona": persona})))
    print(f"\nbare scan of one persona's interactions: {floor:.0f} ms (median of {runs})\n")
    print("| query | params | median ms | p95 ms | x bare scan |")
    print("| --- | --- | ---: | ---: | ---: |")
    for name, params in cases:
        samples = timed(store, runs, lambda n=name, p=params: store.run(n, p))
        shown = ", ".join(f"{k}" for k in params) or "-"
        print(f"| {name} | {shown} | {statistics.median(samples):.0f} | {p95(samples):.0f} | "
              f"{statistics.median(samples) / floor:.1f} |")


if __name__ == "__main__":
    sys.exit(main())
