"""Ingest throughput: the full `dtc ingest` against the raw engine ceiling, measured in the same run.

    .venv/bin/python bench/ingest.py                      # 300,000 events over 30,000 customers
    .venv/bin/python bench/ingest.py --events 100000 --customers 10000

1. Generates N events (JSONL) over C customers: time-ordered per customer, ~10% with a friction, some feedback
   scores, ~1% switches to a competitor, journeys split by a 30-day gap.
2. Raw ceiling, as DESIGN.md "Benchmark method" defines it: a bare `UNWIND $rows ... CREATE` of the same
   interactions (same properties) and relationships (PERFORMED, AT, the journeys with TOOK, INCLUDES and NEXT, HIT,
   SWITCHED_TO) into the same embedded engine, rows and journeys built in memory beforehand (customers,
   touchpoints, frictions and competitors created beforehand, not timed), in batches of 1,000, 5,000 and 10,000,
   each with rows sent through the falkordb client's own parameter writer and written as Cypher text by json.dumps
   the way ingest sends them. The fastest is the ceiling. The interactions with PERFORMED and AT alone (the
   ceiling of runs before 28 November 2026) are timed too, for comparison with earlier rows.
3. Full: `dtc ingest` in a subprocess on that file (validation, identities, journeys with INCLUDES and NEXT,
   frictions, triggers, checkpoints), with its peak RSS, its CPU time and the server's during it (beside the
   server's CPU during the best ceiling: the ratio the server's work alone would allow). Timed three ways: the
   whole process; the ingest as the command reports it (no interpreter start-up or store start/stop); and that
   without the end-of-job compaction of the append-only file. The ratio is the whole process against the ceiling
   (DESIGN.md: "the ingest run is timed whole"); the others are printed beside it.
4. A customer file for the same customers (identities, personal data, attributes, declared personas, consents),
   ingested once after the events.
5. Re-ingest: both files again in one command (unchanged files are a no-op), timed against 3. + 4.
Prints events/s, the ratio (target >= 0.6 with the live state kept, issue 13), the peak RSS (target < 500 MB) and
the re-ingest speed-up (issue 13: at least 10x).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from peak_rss import Measured, run_measured  # noqa: E402  bench/peak_rss.py

from graph.embedded import start_or_attach  # noqa: E402
from graph.falkordb_store import FalkorDBStore  # noqa: E402
from graph.store import batched  # noqa: E402

TOUCHPOINTS = [("influencer_post", "social"), ("product_page", "web"), ("search", "web"), ("checkout", "web"),
               ("ai_try_on", "mobile_app"), ("app_home", "mobile_app"), ("colour_appointment", "salon"),
               ("aftercare", "call_center"), ("newsletter", "email"), ("chat", "chatbot")]
PERSONAS = ["trend-seeker", "bargain-hunter", "loyal-pro"]
COMPETITORS = ["glamco", "shinyhair", "cutprice"]
FRICTIONS = ["cant_find_product", "long_wait", "colour_mismatch", "payment_failed", "late_delivery"]
TYPES = ["view", "search", "interaction", "purchase", "feedback", "support"]
START_MS = 1_704_067_200_000  # 2024-01-01
DAY_MS = 86_400_000

# the full ingest's properties of an interaction (only those present are stored)
OPTIONAL = ("experience", "csat", "text", "value", "currency", "competitor")
RAW = """
UNWIND $rows AS row
MATCH (c:Customer {id: row[1]})
MATCH (t:Touchpoint {code: row[2]})
WITH c, t, row, row[6] AS o
CREATE (c)-[:PERFORMED]->(i:Interaction {id: row[0], ts: row[5], type: row[4], customer_id: row[1],
        channel: row[3], touchpoint: row[2], experience: o.experience, csat: o.csat, text: o.text, value: o.value,
        currency: o.currency, competitor: o.competitor, frictions: o.frictions})-[:AT]->(t)
"""


# The ceiling as DESIGN.md defines it: the same interactions and relationships, journeys included (TOOK, INCLUDES,
# NEXT within a journey), the friction HITs and the switches, every row and journey known beforehand.
FULL = """
UNWIND $journeys AS jr
MATCH (c:Customer {id: jr[1]})
CREATE (c)-[:TOOK]->(:Journey {id: jr[0], customer_id: jr[1], start_ts: jr[2], end_ts: jr[3], size: jr[4]})
WITH count(*) AS _
UNWIND $rows AS row
MATCH (c:Customer {id: row[1]})
MATCH (t:Touchpoint {code: row[2]})
MATCH (j:Journey {id: row[7]})
WITH c, t, j, row, row[6] AS o
CREATE (c)-[:PERFORMED]->(i:Interaction {id: row[0], ts: row[5], type: row[4], customer_id: row[1],
        journey_id: row[7], channel: row[3], touchpoint: row[2], experience: o.experience, csat: o.csat,
        text: o.text, value: o.value, currency: o.currency, competitor: o.competitor,
        frictions: o.frictions})-[:AT]->(t),
       (j)-[:INCLUDES {seq: row[8]}]->(i)
WITH i, row WHERE row[9] IS NOT NULL
MATCH (before:Interaction {id: row[9]})
CREATE (before)-[:NEXT]->(i)
WITH count(*) AS _
UNWIND $hits AS hit
MATCH (i:Interaction {id: hit[0]})
MATCH (f:FrictionPoint {code: hit[1]})
CREATE (i)-[:HIT]->(f)
WITH count(*) AS _
UNWIND $switches AS sw
MATCH (c:Customer {id: sw[1]})
MATCH (k:Competitor {code: sw[2]})
CREATE (c)-[:SWITCHED_TO {ts: sw[3], event_id: sw[0]}]->(k)
RETURN count(*) AS n
"""
CEILING_BATCH_SIZES = (1000, 5000, 10000)  # DESIGN.md: the best of these is the ceiling


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def generate(path: Path, events: int, customers: int, seed: int = 7) -> None:
    """Events in time order; each customer's visits come in bursts (journeys) separated by weeks or months."""
    rng = random.Random(seed)
    clock = {f"c{n:06d}": START_MS + rng.randrange(180) * DAY_MS for n in range(customers)}
    ids = list(clock)
    rows = []
    for n in range(events):
        cid = ids[rng.randrange(customers)]
        step = rng.choice((rng.randrange(60_000, 3_600_000), rng.randrange(1, 90) * DAY_MS))
        clock[cid] += step
        touchpoint, channel = TOUCHPOINTS[rng.randrange(len(TOUCHPOINTS))]
        event: dict[str, object] = {"event_id": f"ev{n:08d}", "customer_id": cid, "ts": iso(clock[cid]),
                                    "channel": channel, "touchpoint": touchpoint, "type": rng.choice(TYPES)}
        roll = rng.random()
        if roll < 0.10:
            event["friction"] = [rng.choice(FRICTIONS)]
            event["experience"] = "negative"
        if roll < 0.01:
            event["type"], event["competitor"] = "switch", rng.choice(COMPETITORS)
        if event["type"] == "feedback":
            event["csat"] = rng.randint(1, 5)
            event["text"] = rng.choice(["Great", "Too slow", "Could not find it", "Lovely staff"])
        if event["type"] == "purchase":
            event["value"], event["currency"] = round(rng.uniform(5, 200), 2), "EUR"
        rows.append((clock[cid], event))
    rows.sort(key=lambda r: (r[0], r[1]["event_id"]))  # an export in time order
    with open(path, "w", encoding="utf-8") as f:
        for _, event in rows:
            f.write(json.dumps(event) + "\n")


def generate_customers(path: Path, customers: int, seed: int = 7) -> None:
    """A customer file for the same customers: identities, personal data, attributes, a declared persona (some
    two, one of them ended) and consents (~5% refusing profiling), as a CRM export would give them."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for n in range(customers):
            cid = f"c{n:06d}"
            personas = [{"persona": rng.choice(PERSONAS), "weight": round(rng.uniform(0.5, 1), 2),
                         "since": "2024-01-01T00:00:00Z", "source": "declared"}]
            if rng.random() < 0.3:
                personas.append({"persona": rng.choice(PERSONAS), "weight": 0.4, "since": "2023-06-01T00:00:00Z",
                                 "until": "2024-01-01T00:00:00Z", "source": "declared"})
            record = {"customer_id": cid, "identities": {"email": f"{cid}@example.com"},
                      "pii": {"name": f"Customer {n}", "email": f"{cid}@example.com"},
                      "attributes": {"tier": rng.choice(["bronze", "silver", "gold"]), "age_band": rng.choice(
                          ["18-24", "25-34", "35-44", "45+"])},
                      "personas": personas,
                      "consents": [{"purpose": "analytics", "granted": True, "ts": "2024-01-01T00:00:00Z"},
                                   {"purpose": "profiling", "granted": rng.random() >= 0.05,
                                    "ts": "2024-01-01T00:00:00Z"}]}
            f.write(json.dumps(record) + "\n")


def interaction_rows(path: Path) -> list[tuple[dict[str, Any], list[Any]]]:
    """Each event of the file with its row of query RAW: [id, customer, touchpoint, channel, type, ts, optional]."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            optional = {k: e[k] for k in OPTIONAL if k in e}
            if "friction" in e:
                optional["frictions"] = e["friction"]
            out.append((e, [e["event_id"], e["customer_id"], e["touchpoint"], e["channel"], e["type"],
                            int(datetime.fromisoformat(e["ts"]).timestamp() * 1000), optional]))
    return out


def create_nodes(store: FalkorDBStore, label: str, key: str, values: list[str]) -> None:
    """What the ceilings' rows refer to, created before the clock starts."""
    store.write_batches(f"UNWIND $rows AS row CREATE (:{label} {{{key}: row.value}})", [{"value": v} for v in values])


def raw_ceiling(store: FalkorDBStore, path: Path, batch_size: int, as_text: bool) -> tuple[int, float]:
    rows = [row for _, row in interaction_rows(path)]
    create_nodes(store, "Customer", "id", sorted({row[1] for row in rows}))
    create_nodes(store, "Touchpoint", "code", [t for t, _ in TOUCHPOINTS])
    started = time.perf_counter()
    for batch in batched(rows, batch_size):
        store.write(RAW, {"rows": batch}, bulk=as_text)  # bulk: the rows written as Cypher text in C
    return len(rows), time.perf_counter() - started


def full_ceiling(store: FalkorDBStore, path: Path, batch_size: int, as_text: bool, server_pid: int
                 ) -> tuple[int, float, float]:
    """DESIGN.md's ceiling: the same interactions and relationships (query FULL), journeys cut by the ingest's
    default 30-day gap and every row prepared beforehand; the customers, touchpoints, frictions and competitors
    exist before the clock starts. (events, seconds, the server's CPU-seconds)"""
    gap_ms = 30 * DAY_MS
    last: dict[str, tuple[int, str, str, int]] = {}  # customer -> (ts, journey id, last event id, seq)
    journeys: dict[str, list[Any]] = {}
    events: list[tuple[list[Any], str | None, list[Any], list[Any]]] = []  # (row, journey created here, hits, switches)
    for e, interaction in interaction_rows(path):
        cid, ts = e["customer_id"], interaction[5]
        before = last.get(cid)
        if before is None or ts - before[0] > gap_ms:
            jid, seq, follows, created = f"{cid}:{e['event_id']}", 0, None, f"{cid}:{e['event_id']}"
            journeys[jid] = [jid, cid, ts, ts, 0]
        else:
            jid, seq, follows, created = before[1], before[3] + 1, before[2], None
        journeys[jid][3], journeys[jid][4] = ts, seq + 1
        last[cid] = (ts, jid, e["event_id"], seq)
        row = [*interaction, jid, seq, follows]
        hits = [[e["event_id"], code] for code in e.get("friction", [])]
        switches = [[e["event_id"], cid, e["competitor"], ts]] if e["type"] == "switch" else []
        events.append((row, created, hits, switches))
    create_nodes(store, "Customer", "id", sorted(last))
    create_nodes(store, "Touchpoint", "code", [t for t, _ in TOUCHPOINTS])
    create_nodes(store, "FrictionPoint", "code", FRICTIONS)
    create_nodes(store, "Competitor", "code", COMPETITORS)
    batches = [{"journeys": [journeys[jid] for _, jid, _, _ in batch if jid is not None],
                "rows": [row for row, _, _, _ in batch],
                "hits": [hit for _, _, hits, _ in batch for hit in hits],
                "switches": [sw for _, _, _, switches in batch for sw in switches]}
               for batch in batched(events, batch_size)]
    started, server_started = time.perf_counter(), server_cpu_s(server_pid)
    for params in batches:
        store.write(FULL, params, bulk=as_text)
    return len(events), time.perf_counter() - started, server_cpu_s(server_pid) - server_started


def run_ingest(data_dir: Path, graph: str, batch_size: int, events: Path | None, customers: Path | None = None
               ) -> Measured:
    """`dtc ingest` of an event file, a customer file or both, in its own process: its seconds, summary (stdout),
    peak RSS and CPU time."""
    env = dict(os.environ, DTC_GRAPH_NAME=graph, DTC_STATE_DIR=str(data_dir / f"state-{graph}"))
    files = (["--customers", str(customers)] if customers is not None else []) + ([str(events)] if events else [])
    done = run_measured([str(ROOT / ".venv" / "bin" / "dtc"), "--store", f"embedded://{data_dir}", "ingest",
                         "--quiet", "--batch-size", str(batch_size), *files], env)
    if done.returncode != 0:
        sys.exit(f"dtc ingest failed ({done.returncode}): {done.stderr or done.stdout}")
    return done


def server_cpu_s(pid: int) -> float:
    """The CPU time (user + system, all its threads) the store's server process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime: fields 14 and 15


def reported(summary: str, name: str) -> float:
    """A duration the ingest summary reports (`elapsed 12.3 s`, `compaction 1.2 s`), 0 when absent."""
    found = re.search(rf"{name} ([0-9.]+) s", summary)
    return float(found.group(1)) if found else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--customers", type=int, default=30_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dtc-bench-ingest-") as tmp:
        work = Path(tmp)
        data, customers = work / "events.jsonl", work / "customers.jsonl"
        generate(data, args.events, args.customers)
        generate_customers(customers, args.customers)
        print(f"{args.events:,} events over {args.customers:,} customers, batch size {args.batch_size}, "
              f"{data.stat().st_size / 1e6:.0f} MB of JSONL, customer file {customers.stat().st_size / 1e6:.0f} MB")
        server = start_or_attach(work / "store")
        try:
            rates = {}
            for as_text, label in ((False, "client writer"), (True, "json text")):
                raw_store = FalkorDBStore(server.url, "127.0.0.1", server.port, f"bench_raw_{int(as_text)}")
                raw_store.ensure_schema()
                n, raw_s = raw_ceiling(raw_store, data, args.batch_size, as_text)
                raw_store.close()
                rates[label] = n / raw_s
                print(f"interactions  {rates[label]:>9,.0f} events/s  ({raw_s:.1f} s: UNWIND CREATE + PERFORMED + AT "
                      f"only, rows as {label}; the ceiling of earlier runs)")
            narrow_rate = max(rates.values())
            ceilings, ceiling_server_s = {}, {}
            for size in CEILING_BATCH_SIZES:
                for as_text, label in ((False, "client writer"), (True, "json text")):
                    graph = f"bench_ceiling_{size}_{int(as_text)}"
                    raw_store = FalkorDBStore(server.url, "127.0.0.1", server.port, graph)
                    raw_store.ensure_schema()
                    n, raw_s, server_s = full_ceiling(raw_store, data, size, as_text, server.pid)
                    raw_store.close()
                    ceilings[(size, label)], ceiling_server_s[(size, label)] = n / raw_s, server_s
                    print(f"raw ceiling   {n / raw_s:>9,.0f} events/s  ({raw_s:.1f} s: interactions and relationships, "
                          f"journeys included, batches of {size:,}, rows as {label}; server CPU {server_s:.1f} s)")
            best = max(ceilings, key=lambda run: ceilings[run])
            raw_rate = ceilings[best]
            server_started = server_cpu_s(server.pid)
            ingested = run_ingest(work / "store", "bench_full", args.batch_size, data)
            ingest_server_s = server_cpu_s(server.pid) - server_started
            full_s, summary, peak_mb = ingested.seconds, ingested.stdout, ingested.peak_mb
            elapsed, compaction = reported(summary, "elapsed"), reported(summary, "compaction")
            ingest_s = elapsed - compaction
            print(f"dtc ingest    {args.events / ingest_s:>9,.0f} events/s  ({ingest_s:.1f} s ingesting; "
                  f"+ {compaction:.1f} s compaction = {elapsed:.1f} s reported; "
                  f"+ {full_s - elapsed:.1f} s start-up and store start/stop = {full_s:.1f} s whole process)")
            print(f"              {summary}")
            print(f"CPU           dtc ingest {ingested.cpu_s:.1f} s, its server {ingest_server_s:.1f} s; the best "
                  f"ceiling's server {ceiling_server_s[best]:.1f} s: with a client that cost nothing the server alone "
                  f"would allow a ratio of at most {ceiling_server_s[best] / ingest_server_s:.2f}")
            customers_s = run_ingest(work / "store", "bench_full", args.batch_size, None, customers).seconds
            print(f"customer file {customers_s:.1f} s (whole process, after the events)")
            first_s = full_s + customers_s
            again_s = run_ingest(work / "store", "bench_full", args.batch_size, data, customers).seconds
            print(f"re-ingest     {again_s:.1f} s (whole process, the same event and customer files again)")
            print(f"ratio {args.events / full_s / raw_rate:.2f} (target >= 0.6 with the state: the whole `dtc ingest` "
                  f"process against the best raw ceiling, DESIGN.md)   ingesting only "
                  f"{args.events / ingest_s / raw_rate:.2f}   against the interactions-only ceiling of earlier runs: "
                  f"whole process "
                  f"{args.events / full_s / narrow_rate:.2f}, ingesting {args.events / ingest_s / narrow_rate:.2f}")
            print(f"peak RSS {peak_mb:.0f} MB (target < 500)   re-ingest {first_s / again_s:.1f}x faster than the "
                  "first ingest of both files (target >= 10)")
        finally:
            server.release()


if __name__ == "__main__":
    main()
