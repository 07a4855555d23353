"""Journey analytics at scale: funnel, retention and journeyPaths over GraphQL against DuckDB SQL on the same files.

    .venv/bin/python bench/analytics.py                       # ~1M interactions (86,000 generated customers)
    .venv/bin/python bench/analytics.py --customers 9000 --runs 3

The project's generator (fixed seed) writes catalog.yaml, customers.jsonl and events.jsonl; `ingest_files` loads them
into an embedded FalkorDB and `dtc serve` answers over HTTP (rate limit off); DuckDB loads the same files into tables
once (not timed) and answers each question with SQL written from DESIGN.md's definitions. Each question runs on both
(warm-up first), its answers are checked equal, and the table gives the medians (twin over `--runs` runs, DuckDB over
9) and their ratio, with the load average at start and end. A timed GraphQL run is never served from a cache: the API
caches only validated documents, and every run below executes its Cypher.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from api import start_serve, stop_serve  # noqa: E402  (bench/api.py)
from graph.embedded import EmbeddedServer, start_or_attach  # noqa: E402
from graph.falkordb_store import FalkorDBStore  # noqa: E402
from graph.settings import Settings  # noqa: E402
from ingest.batch import ingest_files  # noqa: E402
from ingest.generator import generate  # noqa: E402

DAY_MS = 86_400_000
DUCKDB_RUNS = 9
AS_OF = "2025-07-01T00:00:00Z"

FUNNEL = """query($steps: [StepMatcher!]!, $windowDays: Int!, $breakdown: FunnelBreakdown) {
  funnel(steps: $steps, windowDays: $windowDays, breakdown: $breakdown, limit: 100) {
    steps { step customers medianMsFromEntry } groups { key steps { step customers medianMsFromEntry } }
    drops { step friction { code } hitters droppedHitters } } }"""
RETENTION = """query($cohortEvent: StepMatcher!, $returnEvent: StepMatcher!, $period: RetentionPeriod!,
                     $asOf: DateTime) {
  retention(cohortEvent: $cohortEvent, returnEvent: $returnEvent, period: $period, periods: 8, asOf: $asOf) {
    asOf cohorts { start size periods { n eligible retained } } } }"""
PATHS = """query($start: StepMatcher, $end: StepMatcher, $maxSteps: Int!, $persona: String) {
  journeyPaths(start: $start, end: $end, maxSteps: $maxSteps, persona: $persona, limit: 100) {
    sequences { steps occurrences customers } transitions { from to occurrences medianMs } } }"""

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("funnel", "3 stages, 14 days, by persona",
     {"steps": [{"stage": "awareness"}, {"stage": "consideration"}, {"type": "purchase"}], "windowDays": 14,
      "breakdown": "PERSONA"}),
    ("funnel", "checkout -> delivery, 7 days",
     {"steps": [{"touchpoint": "checkout"}, {"touchpoint": "delivery"}], "windowDays": 7, "breakdown": None}),
    ("retention", "awareness -> purchase, weekly",
     {"cohortEvent": {"stage": "awareness"}, "returnEvent": {"type": "purchase"}, "period": "WEEK", "asOf": AS_OF}),
    ("retention", "any view -> support, monthly",
     {"cohortEvent": {"type": "view"}, "returnEvent": {"stage": "retention"}, "period": "MONTH", "asOf": AS_OF}),
    ("journeyPaths", "after a failed checkout, 4 steps",
     {"start": {"touchpoint": "checkout", "outcome": "failure"}, "end": None, "maxSteps": 4, "persona": None}),
    ("journeyPaths", "what leads to a switch, 5 steps",
     {"start": None, "end": {"type": "switch"}, "maxSteps": 5, "persona": None}),
    ("journeyPaths", "whole journeys of one persona",
     {"start": None, "end": None, "maxSteps": 5, "persona": "trend-seeker"}),
    ("journeyPaths", "whole journeys, everyone",
     {"start": None, "end": None, "maxSteps": 5, "persona": None}),
]
QUERIES = {"funnel": FUNNEL, "retention": RETENTION, "journeyPaths": PATHS}


# -- DuckDB: the files as tables, and each question in SQL ----------------------------------------------------------
def duck_load(con: Any, data: Path, more_events: Sequence[Path] = ()) -> None:
    """The generated files (and `more_events`, files of events added to the twin since) as DuckDB tables."""
    import yaml

    catalog = yaml.safe_load((data / "catalog.yaml").read_text(encoding="utf-8"))
    con.execute("CREATE TABLE touchpoint_stage (code VARCHAR, stage VARCHAR)")
    con.executemany("INSERT INTO touchpoint_stage VALUES (?, ?)",
                    [(t["code"], t.get("stage")) for t in catalog["touchpoints"]])
    con.execute(f"""CREATE TABLE customers AS SELECT * FROM read_json('{data / "customers.jsonl"}',
        columns = {{customer_id: 'VARCHAR', identities: 'MAP(VARCHAR, VARCHAR)',
                   personas: 'STRUCT(persona VARCHAR, weight DOUBLE, since VARCHAR, until VARCHAR)[]',
                   consents: 'STRUCT(purpose VARCHAR, granted BOOLEAN, ts VARCHAR)[]'}})""")
    files = ", ".join(f"'{path}'" for path in [data / "events.jsonl", *more_events])
    con.execute(f"""CREATE TABLE raw_events AS SELECT * FROM read_json([{files}],
        columns = {{event_id: 'VARCHAR', customer_id: 'VARCHAR', identities: 'MAP(VARCHAR, VARCHAR)', ts: 'VARCHAR',
                   session_id: 'VARCHAR', channel: 'VARCHAR', touchpoint: 'VARCHAR', stage: 'VARCHAR',
                   type: 'VARCHAR', outcome: 'VARCHAR', friction: 'VARCHAR[]', experience: 'VARCHAR',
                   competitor: 'VARCHAR', csat: 'INTEGER', ces: 'INTEGER', nps: 'INTEGER'}})""")
    # identity-only events belong to the customer declaring that identity (the generated files merge no one)
    con.execute("""CREATE TABLE owner AS SELECT DISTINCT k AS kind, v AS value, customer_id
                   FROM (SELECT customer_id, unnest(map_keys(identities)) AS k, unnest(map_values(identities)) AS v
                         FROM customers WHERE identities IS NOT NULL)""")
    con.execute("""CREATE TABLE identified AS
        SELECT i.event_id, min(o.customer_id) AS customer_id
        FROM (SELECT event_id, unnest(map_keys(identities)) AS kind, unnest(map_values(identities)) AS value
              FROM raw_events WHERE customer_id IS NULL) i
        JOIN owner o ON o.kind = i.kind AND o.value = i.value GROUP BY i.event_id""")
    con.execute("""CREATE TABLE ev AS
        SELECT e.event_id AS id, epoch_ms(e.ts::TIMESTAMPTZ) AS ts, coalesce(e.customer_id, i.customer_id) AS customer,
               e.touchpoint, e.type, e.channel, coalesce(e.stage, t.stage) AS stage, e.outcome,
               e.session_id AS session, coalesce(e.friction, []) AS frictions, e.experience, e.competitor,
               e.csat, e.ces, e.nps
        FROM raw_events e LEFT JOIN touchpoint_stage t ON t.code = e.touchpoint
        LEFT JOIN identified i ON i.event_id = e.event_id""")
    con.execute("""CREATE TABLE refusing AS
        SELECT customer_id FROM (
          SELECT customer_id, arg_max(NOT k.granted, (coalesce(epoch_ms(k.ts::TIMESTAMPTZ), -1), NOT k.granted))
                 AS refused
          FROM (SELECT customer_id, unnest(consents) AS k FROM customers) WHERE k.purpose = 'analytics'
          GROUP BY customer_id) WHERE refused""")
    con.execute("""CREATE TABLE spans AS
        SELECT customer_id AS customer, a.persona, coalesce(a.weight, 1.0) AS weight,
               epoch_ms(a.since::TIMESTAMPTZ) AS since, epoch_ms(a.until::TIMESTAMPTZ) AS until
        FROM (SELECT customer_id, unnest(personas) AS a FROM customers)""")
    # the counted events in (ts, id) order per customer, with their journey: a session, else the 30-day gap
    con.execute(f"""CREATE TABLE cev AS
        WITH base AS (SELECT * FROM ev WHERE customer NOT IN (SELECT customer_id FROM refusing)),
        loose AS (SELECT *, CASE WHEN ts - lag(ts) OVER (PARTITION BY customer ORDER BY ts, id) <= {30 * DAY_MS}
                                 THEN 0 ELSE 1 END AS starts FROM base WHERE session IS NULL),
        pieces AS (SELECT *, sum(starts) OVER (PARTITION BY customer ORDER BY ts, id) AS piece FROM loose)
        SELECT b.*, coalesce('s:' || b.session, 'g:' || p.piece) AS journey,
               row_number() OVER (PARTITION BY b.customer ORDER BY b.ts, b.id) AS pos
        FROM base b LEFT JOIN pieces p ON p.id = b.id""")
    con.execute("""CREATE TABLE jev AS SELECT *, row_number() OVER (PARTITION BY customer, journey ORDER BY ts, id)
                   AS seq FROM cev""")


def matches(alias: str, matcher: dict[str, Any] | None) -> str:
    if not matcher:
        return "TRUE"
    return " AND ".join(f"{alias}.{key} = '{value}'" for key, value in matcher.items() if value is not None)


def persona_at(customer: str, ts: str, persona: str) -> str:
    return (f"EXISTS (SELECT 1 FROM spans s WHERE s.customer = {customer} AND s.persona = '{persona}' "
            f"AND s.weight > 0 AND (s.since IS NULL OR s.since <= {ts}) AND (s.until IS NULL OR {ts} < s.until))")


def duck_funnel(con: Any, steps: list[dict[str, Any]], windowDays: int, breakdown: str | None) -> dict[str, Any]:
    n, window = len(steps), windowDays * DAY_MS
    sql = [f"CREATE OR REPLACE TEMP TABLE m1 AS SELECT customer, id AS entry, ts AS entry_ts, pos AS pos1, ts AS ts1 "
           f"FROM cev x WHERE {matches('x', steps[0])}"]
    for k in range(2, n + 1):
        sql.append(f"""CREATE OR REPLACE TEMP TABLE m{k} AS
            SELECT p.*, x.pos AS pos{k}, x.ts AS ts{k} FROM m{k - 1} p
            LEFT JOIN LATERAL (SELECT x.pos, x.ts FROM cev x WHERE x.customer = p.customer AND x.pos > p.pos{k - 1}
                               AND x.ts <= p.entry_ts + {window} AND {matches('x', steps[k - 1])}
                               ORDER BY x.pos LIMIT 1) x ON p.pos{k - 1} IS NOT NULL""")
    level = " + ".join(f"(pos{k} IS NOT NULL)::INT" for k in range(1, n + 1))
    sql.append(f"""CREATE OR REPLACE TEMP TABLE attempt AS
        SELECT * FROM (SELECT *, {level} AS level, row_number() OVER (PARTITION BY customer
                       ORDER BY {level} DESC, pos1) AS r FROM m{n}) WHERE r = 1""")
    for statement in sql:
        con.execute(statement)

    def steps_of(where: str) -> list[dict[str, Any]]:
        rows = []
        for k in range(1, n + 1):
            customers, median = con.execute(
                f"SELECT count(*), median(ts{k} - ts1) FROM attempt a WHERE level >= {k} AND {where}").fetchone()
            rows.append({"step": k, "customers": customers, "medianMsFromEntry": None if median is None
                         else float(median)})
        return rows

    groups = []
    if breakdown == "PERSONA":
        keys = con.execute("""SELECT DISTINCT s.persona FROM attempt a JOIN spans s ON s.customer = a.customer
            AND s.weight > 0 AND (s.since IS NULL OR s.since <= a.ts1) AND (s.until IS NULL OR a.ts1 < s.until)
            ORDER BY 1""").fetchall()
        for (key,) in keys:
            groups.append({"key": key, "steps": steps_of(persona_at("a.customer", "a.ts1", key))})
        none = ("NOT EXISTS (SELECT 1 FROM spans s WHERE s.customer = a.customer AND s.weight > 0 AND "
                "(s.since IS NULL OR s.since <= a.ts1) AND (s.until IS NULL OR a.ts1 < s.until))")
        if con.execute(f"SELECT count(*) FROM attempt a WHERE {none}").fetchone()[0]:
            groups.append({"key": None, "steps": steps_of(none)})
    drops = []
    for k in range(1, n):
        rows = con.execute(f"""
            WITH hit AS (SELECT DISTINCT a.customer, a.level, f.friction
              FROM attempt a JOIN cev x ON x.customer = a.customer AND x.pos >= a.pos{k}
               AND ((a.level > {k} AND x.pos < a.pos{k + 1}) OR (a.level = {k} AND x.ts <= a.ts1 + {window}))
              CROSS JOIN unnest(x.frictions) AS f(friction)
              WHERE a.level >= {k})
            SELECT friction, count(*) AS hitters, sum((level = {k})::INT) AS dropped FROM hit GROUP BY friction
            ORDER BY dropped DESC, friction""").fetchall()
        drops += [{"step": k, "friction": f, "hitters": h, "droppedHitters": int(d)} for f, h, d in rows]
    return {"steps": steps_of("TRUE"), "groups": groups, "drops": drops}


def duck_retention(con: Any, cohortEvent: dict[str, Any], returnEvent: dict[str, Any], period: str,
                   asOf: str) -> dict[str, Any]:
    length = f"{ {'DAY': 1, 'WEEK': 7, 'MONTH': 30}[period] * DAY_MS}::BIGINT"
    as_of = con.execute(f"SELECT epoch_ms('{asOf}'::TIMESTAMPTZ)").fetchone()[0]
    trunc = {"DAY": "day", "WEEK": "week", "MONTH": "month"}[period]
    rows = con.execute(f"""
        WITH starts AS (SELECT customer, min(ts) AS start FROM cev x WHERE {matches('x', cohortEvent)}
                        GROUP BY customer),
        members AS (SELECT customer, start, epoch_ms(date_trunc('{trunc}', make_timestamptz(start * 1000)
                                                               AT TIME ZONE 'UTC')::TIMESTAMP AT TIME ZONE 'UTC')
                                            AS cohort FROM starts),
        periods AS (SELECT m.*, n FROM members m CROSS JOIN range(1, 9) AS r(n)),
        returned AS (SELECT DISTINCT m.customer, (x.ts - m.start) // {length} AS n FROM members m
                     JOIN cev x ON x.customer = m.customer AND {matches('x', returnEvent)}
                     AND x.ts >= m.start + {length} AND x.ts < m.start + 9 * {length})
        SELECT cohort, n, count(*) AS size,
               sum((start + (n + 1) * {length} <= {as_of})::INT) AS eligible,
               sum((start + (n + 1) * {length} <= {as_of} AND r.customer IS NOT NULL)::INT) AS retained
        FROM periods p LEFT JOIN returned r USING (customer, n) GROUP BY cohort, n ORDER BY cohort, n""").fetchall()
    cohorts: dict[int, dict[str, Any]] = {}
    for cohort, n, size, eligible, retained in rows:
        entry = cohorts.setdefault(cohort, {"start": cohort, "size": size, "periods": []})
        entry["periods"].append({"n": n, "eligible": int(eligible), "retained": int(retained)})
    return {"asOf": as_of, "cohorts": list(cohorts.values())}


def duck_paths(con: Any, start: dict[str, Any] | None, end: dict[str, Any] | None, maxSteps: int,
               persona: str | None) -> dict[str, Any]:
    if start and not end:
        anchors, lo, hi = matches("a", start), "a.seq", f"a.seq + {maxSteps - 1}"
    elif end and not start:
        anchors, lo, hi = matches("a", end), f"a.seq - {maxSteps - 1}", "a.seq"
    else:
        anchors, lo, hi = "a.seq = 1", "1", "1000000000"
    who = persona_at("a.customer", "a.ts", persona) if persona else "TRUE"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE path_steps AS
        SELECT a.customer, a.id AS anchor, x.seq, x.touchpoint, x.ts
        FROM jev a JOIN jev x ON x.customer = a.customer AND x.journey = a.journey AND x.seq BETWEEN {lo} AND {hi}
        WHERE {anchors} AND {who}""")
    return duck_sequences(con, "anchor", 100)


def duck_sequences(con: Any, path: str, limit: int) -> dict[str, Any]:
    """The sequences (top `limit`) and transitions of the table `path_steps`, one path per (customer, `path`) in
    `seq` order: the journeyPaths answer in DuckDB."""
    sequences = con.execute(f"""
        WITH paths AS (SELECT customer, list(touchpoint ORDER BY seq) AS steps FROM path_steps
                       GROUP BY customer, {path})
        SELECT steps, count(*) AS occurrences, count(DISTINCT customer) AS customers FROM paths GROUP BY steps
        ORDER BY occurrences DESC, steps LIMIT {int(limit)}""").fetchall()
    transitions = con.execute(f"""
        WITH pairs AS (SELECT touchpoint AS source, lead(touchpoint) OVER w AS target, lead(ts) OVER w - ts AS gap
                       FROM path_steps WINDOW w AS (PARTITION BY customer, {path} ORDER BY seq))
        SELECT source, target, count(*), median(gap) FROM pairs WHERE target IS NOT NULL GROUP BY source, target
        ORDER BY 3 DESC, source, target""").fetchall()
    return {"sequences": [{"steps": list(s), "occurrences": o, "customers": c} for s, o, c in sequences],
            "transitions": [{"from": a, "to": b, "occurrences": o, "medianMs": float(m)}
                            for a, b, o, m in transitions]}


DUCK = {"funnel": duck_funnel, "retention": duck_retention, "journeyPaths": duck_paths}


# -- comparing and timing ------------------------------------------------------------------------------------------
def normalised(question: str, answer: dict[str, Any]) -> dict[str, Any]:
    """Both answers in one shape: times as epoch ms, friction codes flat, drops in a stable order."""
    answer = json.loads(json.dumps(answer))
    if question == "funnel":
        for drop in answer["drops"]:
            if isinstance(drop["friction"], dict):
                drop["friction"] = drop["friction"]["code"]
        answer["drops"].sort(key=lambda d: (d["step"], -d["droppedHitters"], d["friction"], d["hitters"]))
        answer["drops"] = [{k: d[k] for k in ("step", "friction", "hitters", "droppedHitters")}
                           for d in answer["drops"]]
    if question == "retention":
        from cypher import to_epoch_ms

        for key in ("asOf",):
            if isinstance(answer[key], str):
                answer[key] = to_epoch_ms(answer[key])
        for cohort in answer["cohorts"]:
            if isinstance(cohort["start"], str):
                cohort["start"] = to_epoch_ms(cohort["start"])
    return answer


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def generated_twin(root: Path, customers: int, seed: int) -> tuple[EmbeddedServer, FalkorDBStore]:
    """The generator's files (fixed seed) in root/data and an embedded FalkorDB in root/db holding them, graph
    `bench`, each made only when missing (so `--keep` reuses both); the caller closes the store and releases the
    server."""
    data = root / "data"
    if not (data / "events.jsonl").exists():
        report = generate(data, customers=customers, seed=seed)
        print(f"generated {report.events:,} events for {report.customers:,} customers")
    server = start_or_attach(root / "db")
    store = FalkorDBStore(server.url, "127.0.0.1", server.port, "bench")
    store.ensure_schema()
    if not store.read("MATCH (i:Interaction) RETURN i.id AS id LIMIT 1"):
        settings = Settings(graph_url=f"falkordb://127.0.0.1:{server.port}", graph_name="bench",
                            identity_key="bench-identity-key", state_dir_override=str(root / "state"))
        started = time.perf_counter()
        done = ingest_files(store, settings, catalog=data / "catalog.yaml",
                            customers=[data / "customers.jsonl"], events=[data / "events.jsonl"])
        print(f"ingested {done.ingested:,} rows in {time.perf_counter() - started:.0f} s")
    return server, store


def twin_arguments(doc: str | None, customers: int) -> argparse.ArgumentParser:
    """The options of a benchmark over `generated_twin`: its size, seed, timed runs and a folder to keep."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--customers", type=int, default=customers, help="about 11.6 events each; 86k gives ~1M")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per question")
    parser.add_argument("--keep", type=Path, help="reuse (or keep) the generated files and the store in this folder")
    return parser


def main() -> int:
    parser = twin_arguments(__doc__, 86_000)
    parser.add_argument("--deadline-ms", type=int, default=120_000,
                        help="DTC_API_DEADLINE_MS of the server, raised so slow answers are timed rather than cut "
                             "(the table marks those over the default 10 s deadline)")
    args = parser.parse_args()
    import duckdb

    print(f"load average at start: {loadavg()}")
    with tempfile.TemporaryDirectory(prefix="dtc-bench-analytics-") as tmp:
        root = args.keep or Path(tmp)
        data = root / "data"
        server, store = generated_twin(root, args.customers, args.seed)
        serve: subprocess.Popen[bytes] | None = None
        try:
            interactions = store.read("MATCH (i:Interaction) RETURN count(i) AS n")[0]["n"]
            con = duckdb.connect()
            started = time.perf_counter()
            duck_load(con, data)
            print(f"DuckDB loaded the files in {time.perf_counter() - started:.1f} s (not timed below)")
            env = {**os.environ, "DTC_GRAPH_NAME": "bench", "DTC_API_RATE": "0", "DTC_STATE_DIR": str(root),
                   "HF_HUB_OFFLINE": "1", "DTC_IDENTITY_KEY": "bench-identity-key",
                   "DTC_API_DEADLINE_MS": str(args.deadline_ms)}
            env.pop("DTC_API_KEYS", None)
            serve, url = start_serve(server.port, env)
            print(f"\n{interactions:,} interactions in the twin\n")
            print("| question | case | twin GraphQL median ms | DuckDB median ms | ratio | within 10 s "
                  "| answers equal |")
            print("| --- | --- | ---: | ---: | ---: | --- | --- |")
            failures = 0
            with httpx.Client(base_url=url, timeout=600) as http:
                for question, label, variables in CASES:
                    def ask(v: dict[str, Any] = variables, q: str = question, name: str = label) -> dict[str, Any]:
                        r = http.post("/graphql", json={"query": QUERIES[q], "variables": v})
                        body = r.json()
                        if r.status_code != 200 or body.get("errors"):
                            raise SystemExit(f"{q} {name}: {r.status_code} {json.dumps(body)[:500]}")
                        return dict(body["data"][q])

                    twin_answer = ask()
                    twin_ms = []
                    for _ in range(args.runs):
                        began = time.perf_counter()
                        ask()
                        twin_ms.append((time.perf_counter() - began) * 1000)
                    duck_answer = DUCK[question](con, **variables)
                    duck_ms = []
                    for _ in range(DUCKDB_RUNS):
                        began = time.perf_counter()
                        DUCK[question](con, **variables)
                        duck_ms.append((time.perf_counter() - began) * 1000)
                    equal = same(normalised(question, twin_answer), normalised(question, duck_answer))
                    failures += not equal
                    t, d = statistics.median(twin_ms), statistics.median(duck_ms)
                    print(f"| {question} | {label} | {t:.0f} | {d:.0f} | {t / d:.1f} | "
                          f"{'yes' if t <= 10_000 else 'NO'} | {'yes' if equal else 'NO'} |", flush=True)
                    if not equal:
                        print(json.dumps({"twin": normalised(question, twin_answer),
                                          "duckdb": normalised(question, duck_answer)})[:3000], file=sys.stderr)
            print(f"\nload average at end: {loadavg()}")
            return 1 if failures else 0
        finally:
            if serve is not None:
                stop_serve(serve)
            store.close()
            server.release()


if __name__ == "__main__":
    sys.exit(main())
