"""The live twin's questions at ~1M interactions and with five times the history, against DuckDB over the same files.

    .venv/bin/python bench/questions.py                              # 86,000 customers: ~1M interactions, then ~5M
    .venv/bin/python bench/questions.py --customers 3000 --histories 1 5 --runs 5
    .venv/bin/python bench/questions.py --analytics --histories 1    # funnels, retention, paths with matchers too
    .venv/bin/python bench/questions.py --keep /tmp/live             # keep the files and stores for the next run

For each history (1 = the generator's demo data, 5 = the same customers, personas and seed with five times the events
each) the project's generator writes the files, `ingest_files` loads them into an embedded FalkorDB and `dtc serve`
answers over HTTP GraphQL (rate limit off); DuckDB loads the same files into tables once (not timed) and answers each
question with the SQL below. Every twin answer is checked equal to DuckDB's first; then each question is timed (twin:
median of `--runs`, DuckDB: warm median of 9). Before every timed twin run a few events are ingested (appended to
existing customers, one hitting a friction), so no cached answer can serve it. The table gives both medians, their
ratio, and per question the twin's time with five times the history over its time with the first; the load average is
printed at the start and end of each history.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from analytics import CASES as ANALYTICS_CASES  # noqa: E402  (bench/analytics.py: the journey analytics cases)
from analytics import DUCK as ANALYTICS_DUCK  # noqa: E402
from analytics import DUCKDB_RUNS, duck_load, duck_sequences, loadavg, normalised, same  # noqa: E402
from analytics import QUERIES as ANALYTICS_QUERIES  # noqa: E402

from api import start_serve, stop_serve  # noqa: E402  (bench/api.py)
from cypher import DAY_MS  # noqa: E402
from graph.analytics.channels import cx_by_channel  # noqa: E402
from graph.embedded import start_or_attach  # noqa: E402
from graph.falkordb_store import FalkorDBStore  # noqa: E402
from graph.ontology import STAGES  # noqa: E402
from graph.settings import Settings  # noqa: E402
from graph.store import GraphStore  # noqa: E402
from ingest.batch import ingest_files  # noqa: E402
from ingest.generator import PERIOD_END, generate  # noqa: E402

PERSONA = "trend-seeker"
PATHS_LIMIT = 10  # journeyPaths is compared at this fixed limit whatever the history
IDENTITY_KEY = "bench-identity-key"

FRICTION = """query($persona: String!) { frictionToCompetitors(persona: $persona) {
  friction { code } exposed switched rate baselineRate lift ciLow ciHigh
  competitors { competitor { code } count } } }"""
JOURNEY_MAP = """query($persona: String!) { journeyMap(persona: $persona) { stages { stage touchpoints {
  touchpoint { code } interactions customers avgCsat avgCes negativeShare topFrictions { friction { code } count }
  dropOff } } } }"""
PATHS = """query($persona: String, $limit: Int!) { journeyPaths(persona: $persona, limit: $limit) {
  sequences { steps occurrences customers } transitions { from to occurrences medianMs } } }"""


@dataclass(frozen=True)
class Case:
    question: str  # the GraphQL field (or, with no query, the question answered by graph.analytics)
    label: str
    variables: dict[str, Any]
    query: str | None  # GraphQL text; None = the named query through the store port
    duck: Callable[..., Any]
    shape: Callable[[Any], Any] = lambda answer: answer  # the twin's answer in the DuckDB answer's shape
    live: bool = True  # a live-twin question, timed at every history (the journey analytics only at the first)


# -- DuckDB: each live question in SQL, from DESIGN.md's definitions -------------------------------------------------
def in_period(alias: str, since: int | None, until: int | None) -> str:
    return (f"({'TRUE' if since is None else f'{alias}.ts >= {since}'} AND "
            f"{'TRUE' if until is None else f'{alias}.ts < {until}'})")


def duck_friction(con: Any, persona: str, windowDays: int = 90, since: int | None = None, until: int | None = None,
                  minExposed: int = 1, limit: int = 10) -> list[dict[str, Any]]:
    window = windowDays * DAY_MS
    rows = con.execute(f"""
        WITH pev AS (SELECT * FROM cev e WHERE {in_period('e', since, until)}
                     AND customer IN (SELECT customer FROM spans WHERE persona = $persona AND weight > 0)),
        as_p AS (SELECT e.customer, e.id, e.ts, e.frictions FROM pev e WHERE EXISTS (
                   SELECT 1 FROM spans s WHERE s.customer = e.customer AND s.persona = $persona AND s.weight > 0
                   AND (s.since IS NULL OR s.since <= e.ts) AND (s.until IS NULL OR e.ts < s.until))),
        population AS (SELECT DISTINCT customer FROM as_p),
        sw AS (SELECT customer, id, ts, competitor FROM pev WHERE type = 'switch'),
        switchers AS (SELECT DISTINCT customer FROM sw WHERE customer IN (SELECT customer FROM population)),
        first_hit AS (SELECT customer, friction, min(ts) AS first
                      FROM (SELECT customer, ts, unnest(frictions) AS friction FROM as_p) GROUP BY ALL),
        first_switch AS (SELECT h.customer, h.friction, arg_min(s.competitor, (s.ts, s.id)) AS competitor
                         FROM first_hit h JOIN sw s ON s.customer = h.customer
                          AND s.ts > h.first AND s.ts <= h.first + {window} GROUP BY ALL),
        per AS (SELECT h.friction, count(*) AS exposed, count(f.customer) AS switched,
                       count(x.customer) AS exposed_switchers
                FROM first_hit h LEFT JOIN first_switch f USING (customer, friction)
                LEFT JOIN switchers x ON x.customer = h.customer GROUP BY h.friction),
        sized AS (SELECT p.*, (SELECT count(*) FROM population) - exposed AS unexposed,
                         (SELECT count(*) FROM switchers) - exposed_switchers AS unexposed_switchers,
                         switched / exposed AS rate, 1.959964 AS z FROM per p WHERE exposed >= $minExposed),
        rated AS (SELECT *, CASE WHEN unexposed > 0 THEN unexposed_switchers / unexposed END AS baseline,
                         (rate + z * z / (2 * exposed)) / (1 + z * z / exposed) AS centre,
                         z * sqrt(rate * (1 - rate) / exposed + z * z / (4 * exposed * exposed))
                           / (1 + z * z / exposed) AS half FROM sized)
        SELECT friction, exposed, switched, rate, baseline,
               CASE WHEN baseline > 0 THEN rate / baseline END AS lift,
               greatest(centre - half, 0.0) AS ci_low, least(centre + half, 1.0) AS ci_high,
               (SELECT list({{'competitor': competitor, 'count': n}} ORDER BY n DESC, competitor)
                FROM (SELECT competitor, count(*) AS n FROM first_switch f WHERE f.friction = r.friction
                      GROUP BY competitor)) AS competitors
        FROM rated r ORDER BY switched DESC, lift DESC NULLS LAST, friction LIMIT $limit""",
        {"persona": persona, "minExposed": minExposed, "limit": limit}).fetchall()
    return [{"friction": f, "exposed": e, "switched": s, "rate": r, "baselineRate": b, "lift": li, "ciLow": lo,
             "ciHigh": hi, "competitors": list(c or [])} for f, e, s, r, b, li, lo, hi, c in rows]


def duck_journey_map(con: Any, persona: str, since: int | None = None, until: int | None = None) -> list[Any]:
    stage_order = "[" + ", ".join(f"'{s}'" for s in STAGES) + "]"
    rows = con.execute(f"""
        WITH pev AS (SELECT e.* FROM cev e WHERE {in_period('e', since, until)} AND EXISTS (
                       SELECT 1 FROM spans s WHERE s.customer = e.customer AND s.persona = $persona AND s.weight > 0
                       AND (s.since IS NULL OR s.since <= e.ts) AND (s.until IS NULL OR e.ts < s.until))),
        journeys AS (SELECT customer, journey, bool_or(type = 'purchase') AS converted,
                            arg_max(id, (ts, id)) AS last_id FROM pev GROUP BY ALL),
        marked AS (SELECT p.*, (p.id = j.last_id AND NOT j.converted)::INT AS dropped
                   FROM pev p JOIN journeys j USING (customer, journey)),
        frictions AS (SELECT stage, touchpoint, list({{'friction': friction, 'count': n}} ORDER BY n DESC, friction)
                               [1:3] AS top
                      FROM (SELECT stage, touchpoint, friction, count(*) AS n
                            FROM (SELECT stage, touchpoint, unnest(frictions) AS friction FROM marked) GROUP BY ALL)
                      GROUP BY ALL),
        points AS (SELECT stage, touchpoint, count(*) AS interactions, count(DISTINCT customer) AS customers,
                          avg(csat) AS avg_csat, avg(ces) AS avg_ces,
                          count(*) FILTER (WHERE experience = 'negative') / count(*) AS negative_share,
                          sum(dropped) / count(DISTINCT (customer, journey)) AS drop_off
                   FROM marked GROUP BY ALL)
        SELECT p.*, coalesce(f.top, []) FROM points p LEFT JOIN frictions f USING (stage, touchpoint)
        ORDER BY coalesce(list_position({stage_order}, p.stage), 99), p.stage, interactions DESC, touchpoint""",
        {"persona": persona}).fetchall()
    stages: dict[str, list[dict[str, Any]]] = {}
    for stage, touchpoint, interactions, customers, csat, ces, negative, drop_off, top in rows:
        stages.setdefault(stage, []).append({
            "touchpoint": touchpoint, "interactions": interactions, "customers": customers, "avgCsat": csat,
            "avgCes": ces, "negativeShare": negative, "topFrictions": list(top), "dropOff": drop_off})
    return [{"stage": stage, "touchpoints": points} for stage, points in stages.items()]


def duck_cx_by_channel(con: Any, since: int | None = None, until: int | None = None) -> list[dict[str, Any]]:
    rows = con.execute(f"""
        SELECT channel, count(*) AS interactions, count(DISTINCT customer) AS customers, avg(csat), avg(ces),
               avg(nps), CASE WHEN count(nps) > 0
                              THEN 100.0 * (count(*) FILTER (WHERE nps >= 9) - count(*) FILTER (WHERE nps <= 6))
                                   / count(nps) END,
               count(*) FILTER (WHERE experience = 'negative') / count(*),
               count(*) FILTER (WHERE outcome = 'failure') / count(*), sum(len(frictions))::BIGINT
        FROM cev e WHERE {in_period('e', since, until)}
        GROUP BY channel ORDER BY interactions DESC, channel""").fetchall()
    keys = ("channel", "interactions", "customers", "avgCsat", "avgCes", "avgNps", "nps", "negativeShare",
            "failureShare", "frictionHits")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def duck_whole_paths(con: Any, persona: str | None, limit: int) -> dict[str, Any]:
    who = "TRUE" if persona is None else (
        "EXISTS (SELECT 1 FROM spans s WHERE s.customer = a.customer AND s.persona = $persona AND s.weight > 0 "
        "AND (s.since IS NULL OR s.since <= a.ts) AND (s.until IS NULL OR a.ts < s.until))")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE path_steps AS
        SELECT x.customer, x.journey, x.seq, x.touchpoint, x.ts
        FROM jev a JOIN jev x ON x.customer = a.customer AND x.journey = a.journey
        WHERE a.seq = 1 AND {who}""", {"persona": persona} if persona else {})
    return duck_sequences(con, "journey", limit)


# -- the twin's answers in the same shapes -------------------------------------------------------------------------
def shape_friction(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "friction": r["friction"]["code"],
             "competitors": [{"competitor": c["competitor"]["code"], "count": c["count"]} for c in r["competitors"]]}
            for r in rows]


def shape_journey_map(answer: dict[str, Any]) -> list[Any]:
    return [{"stage": s["stage"], "touchpoints": [
        {**t, "touchpoint": t["touchpoint"]["code"],
         "topFrictions": [{"friction": f["friction"]["code"], "count": f["count"]} for f in t["topFrictions"]]}
        for t in s["touchpoints"]]} for s in answer["stages"]]


def cases(analytics: bool) -> list[Case]:
    found = [
        Case("frictionToCompetitors", f"{PERSONA}, defaults (window 90 days, no period)", {"persona": PERSONA},
             FRICTION, duck_friction, shape_friction),
        Case("journeyMap", f"{PERSONA}, no period", {"persona": PERSONA}, JOURNEY_MAP, duck_journey_map,
             shape_journey_map),
        Case("journeyPaths", f"whole journeys, every customer, limit {PATHS_LIMIT}",
             {"persona": None, "limit": PATHS_LIMIT}, PATHS, duck_whole_paths),
        Case("journeyPaths", f"whole journeys of {PERSONA}, limit {PATHS_LIMIT}",
             {"persona": PERSONA, "limit": PATHS_LIMIT}, PATHS, duck_whole_paths),
        Case("cx-by-channel", "every channel, no period (graph.analytics through the store port)", {}, None,
             duck_cx_by_channel),
    ]
    if analytics:
        found += [Case(question, label, variables, ANALYTICS_QUERIES[question], ANALYTICS_DUCK[question],
                       lambda answer, q=question: normalised(q, answer), live=False)
                  for question, label, variables in ANALYTICS_CASES]
    return found


def differences(twin: Any, duck: Any, where: str = "") -> list[str]:
    """Where two answers differ (paths into them, with both values), for the report when they are not the same."""
    if isinstance(twin, dict) and isinstance(duck, dict) and twin.keys() == duck.keys():
        return [d for key in twin for d in differences(twin[key], duck[key], f"{where}.{key}")]
    if isinstance(twin, list) and isinstance(duck, list) and len(twin) == len(duck):
        return [d for k, (a, b) in enumerate(zip(twin, duck, strict=True))
                for d in differences(a, b, f"{where}[{k}]")]
    if same(twin, duck):
        return []
    return [f"{where or '.'}: twin {json.dumps(twin)[:300]} DuckDB {json.dumps(duck)[:300]}"]


# -- one history: files, store, server, answers and times -----------------------------------------------------------
@dataclass
class Timing:
    twin_ms: float
    duck_ms: float
    equal: bool


@dataclass
class Twin:
    """The served twin of one history, and a way to append a few events to it between timed runs."""

    store: GraphStore
    settings: Settings
    http: httpx.Client
    customers: list[str]
    folder: Path
    touched: int = 0
    rng: random.Random = field(default_factory=lambda: random.Random(1))

    def ask(self, case: Case) -> Any:
        if case.query is None:  # no GraphQL field: the function the twin answers it with (live state or scan)
            return [dict(row) for row in cx_by_channel(self.store, **case.variables)]
        r = self.http.post("/graphql", json={"query": case.query, "variables": case.variables})
        body = r.json()
        if r.status_code != 200 or body.get("errors"):
            raise SystemExit(f"{case.question} {case.label}: {r.status_code} {json.dumps(body)[:500]}")
        return body["data"][case.question]

    def touch(self) -> None:
        """Append three events to existing customers (after everything else, one hitting a friction)."""
        self.touched += 1
        at = PERIOD_END * 1000 + self.touched * 60_000
        lines = []
        for k in range(3):
            event = {"event_id": f"bench-touch-{self.touched}-{k}", "customer_id": self.rng.choice(self.customers),
                     "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime((at + k * 1000) // 1000)),
                     "session_id": f"bench-touch-{self.touched}", "channel": "web", "touchpoint": "product_page",
                     "type": "search", "outcome": "failure" if k == 0 else "success"}
            if k == 0:
                event["friction"] = ["cant_find_product"]
            lines.append(json.dumps(event))
        path = self.folder / f"touch-{self.touched}.jsonl"
        path.write_text("\n".join(lines) + "\n")
        ingest_files(self.store, self.settings, events=[path])


def run_history(args: argparse.Namespace, root: Path, history: int, chosen: list[Case]) -> dict[str, Timing]:
    import duckdb

    print(f"\n## history x{history}: load average at start {loadavg()}", flush=True)
    data = root / f"x{history}" / "data"
    if not (data / "events.jsonl").exists():
        report = generate(data, customers=args.customers, seed=args.seed, history=history)
        print(f"generated {report.events:,} events for {report.customers:,} customers in {report.seconds:.0f} s")
    server = start_or_attach(root / f"x{history}" / "db")
    store = FalkorDBStore(server.url, "127.0.0.1", server.port, "bench")
    settings = Settings(graph_url=f"falkordb://127.0.0.1:{server.port}", graph_name="bench",
                        identity_key=IDENTITY_KEY, state_dir_override=str(root / f"x{history}" / "state"))
    serve: subprocess.Popen[bytes] | None = None
    try:
        store.ensure_schema()
        if not store.read("MATCH (i:Interaction) RETURN i.id AS id LIMIT 1"):
            started = time.perf_counter()
            done = ingest_files(store, settings, catalog=data / "catalog.yaml", customers=[data / "customers.jsonl"],
                                events=[data / "events.jsonl"])
            print(f"ingested {done.ingested:,} rows in {time.perf_counter() - started:.0f} s")
        interactions = store.read("MATCH (i:Interaction) RETURN count(i) AS n")[0]["n"]
        customers = [r["id"] for r in store.read("MATCH (c:Customer) WHERE c.id STARTS WITH 'c' RETURN c.id AS id")]
        con = duckdb.connect()
        started = time.perf_counter()
        touches = root / f"x{history}" / "touches"  # events added by earlier runs on a kept store
        touches.mkdir(parents=True, exist_ok=True)
        duck_load(con, data, sorted(touches.glob("touch-*.jsonl")))
        print(f"{interactions:,} interactions, {len(customers):,} customers in the twin; DuckDB loaded the files in "
              f"{time.perf_counter() - started:.0f} s (not timed)", flush=True)
        env = {**os.environ, "DTC_GRAPH_NAME": "bench", "DTC_API_RATE": "0",
               "DTC_STATE_DIR": str(root / f"x{history}" / "state"), "HF_HUB_OFFLINE": "1",
               "DTC_IDENTITY_KEY": IDENTITY_KEY, "DTC_API_DEADLINE_MS": str(args.deadline_ms)}
        env.pop("DTC_API_KEYS", None)
        serve, url = start_serve(server.port, env)
        results: dict[str, Timing] = {}
        with httpx.Client(base_url=url, timeout=600) as http:
            twin = Twin(store, settings, http, customers, touches, len(list(touches.glob("touch-*.jsonl"))))
            answers = {}
            for case in chosen:  # every answer compared before any event is added
                mine, theirs = case.shape(twin.ask(case)), case.duck(con, **case.variables)
                answers[case.label] = same(mine, theirs)
                if not answers[case.label]:
                    print(f"{case.label}: the answers differ at", *differences(mine, theirs)[:10], sep="\n  ",
                          file=sys.stderr)
            for case in chosen:
                twin_ms = []
                for _ in range(args.runs):
                    twin.touch()
                    began = time.perf_counter()
                    twin.ask(case)
                    twin_ms.append((time.perf_counter() - began) * 1000)
                case.duck(con, **case.variables)
                duck_ms = []
                for _ in range(DUCKDB_RUNS):
                    began = time.perf_counter()
                    case.duck(con, **case.variables)
                    duck_ms.append((time.perf_counter() - began) * 1000)
                timing = Timing(statistics.median(twin_ms), statistics.median(duck_ms), answers[case.label])
                results[case.label] = timing
                print(f"| x{history} | {case.question} | {case.label} | {timing.twin_ms:,.0f} | {timing.duck_ms:,.0f} "
                      f"| {timing.twin_ms / timing.duck_ms:.2f} | {'yes' if timing.equal else 'NO'} |", flush=True)
        con.close()
        print(f"load average at end of x{history}: {loadavg()}", flush=True)
        return results
    finally:
        if serve is not None:
            stop_serve(serve)
        store.close()
        server.release()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=86_000, help="about 11.6 events each; 86k gives ~1M")
    parser.add_argument("--histories", type=int, nargs="+", default=[1, 5],
                        help="times the events per customer, each a twin of its own (the first is the reference)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=9, help="timed GraphQL runs per question")
    parser.add_argument("--analytics", action="store_true",
                        help="also time bench/analytics.py's funnels, retention and paths with matchers")
    parser.add_argument("--only", nargs="*", default=None, help="questions to run (GraphQL field names)")
    parser.add_argument("--keep", type=Path, help="reuse (or keep) the generated files and the stores in this folder")
    parser.add_argument("--deadline-ms", type=int, default=120_000,
                        help="DTC_API_DEADLINE_MS of the server, raised so slow answers are timed rather than cut")
    args = parser.parse_args()
    chosen = [c for c in cases(args.analytics) if args.only is None or c.question in args.only]
    print(f"load average at start: {loadavg()}")
    print("\n| history | question | case | twin median ms | DuckDB median ms | ratio | answers equal |")
    print("| --- | --- | --- | ---: | ---: | ---: | --- |")
    with tempfile.TemporaryDirectory(prefix="dtc-bench-live-") as tmp:
        root = args.keep or Path(tmp)
        results = {h: run_history(args, root, h, [c for c in chosen if c.live or h == args.histories[0]])
                   for h in args.histories}
    first, *more = args.histories
    if more:
        print("\n| question | case | " + " | ".join(f"twin x{h} / x{first}" for h in more) + " |")
        print("| --- | --- | " + " | ".join("---:" for _ in more) + " |")
        for case in [c for c in chosen if c.live]:
            ratios = " | ".join(f"{results[h][case.label].twin_ms / results[first][case.label].twin_ms:.2f}"
                                for h in more)
            print(f"| {case.question} | {case.label} | {ratios} |")
    print(f"\nload average at end: {loadavg()}")
    failures = sum(not t.equal for r in results.values() for t in r.values())
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
