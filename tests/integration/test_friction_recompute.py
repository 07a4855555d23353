"""friction-to-competitors against an independent re-computation in plain Python from the input files.

The oracle below reads customers.jsonl and events.jsonl itself and applies DESIGN.md's definition literally; it
shares no code with the query but the statistics' one home (graph/analytics/stats.py: Wilson, rate, lift, checked
against published values in tests/unit/test_wilson.py). The graph is loaded twice over: by the hand-made test
loader (always) and by `dtc ingest`'s `ingest.batch.ingest_files`, so both the query and ingest are held to the
oracle.
"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from twin_graph import load_twin, read_jsonl

from graph.analytics.friction import friction_to_competitors
from graph.analytics.stats import lift, rate, wilson_interval
from graph.settings import Settings
from graph.store import GraphStore

DAY_MS = 86_400_000


def epoch_ms(text: str | None) -> int | None:
    if text is None:
        return None
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def oracle(customers_path: Path, events_path: Path, persona: str, window_days: int = 90, since: int | None = None,
           until: int | None = None, min_exposed: int = 1, limit: int = 10) -> list[dict[str, Any]]:
    """DESIGN.md's frictionToCompetitors, computed from the files, with docs/privacy.md's analytics rule: a customer
    whose latest `analytics` decision (largest ts; undated oldest; a refusal wins a tie) refuses it is not counted."""
    customers = read_jsonl(customers_path)
    refusing = {c["customer_id"] for c in customers if analytics_refused(c.get("consents", []))}
    owner_of_identity = {(kind, value): c["customer_id"] for c in customers
                         for kind, value in (c.get("identities") or {}).items()}
    spans: dict[str, list[tuple[int | None, int | None]]] = {}
    for c in customers:
        for a in c.get("personas", []):
            if a["persona"] == persona and a.get("weight", 1.0) > 0:
                spans.setdefault(c["customer_id"], []).append((epoch_ms(a.get("since")), epoch_ms(a.get("until"))))

    def is_persona(customer: str, t: int) -> bool:
        return any((s is None or s <= t) and (u is None or t < u) for s, u in spans.get(customer, []))

    events = []
    for e in read_jsonl(events_path):
        customer = e.get("customer_id") or next(owner_of_identity[(k, v)] for k, v in e["identities"].items()
                                                if (k, v) in owner_of_identity)
        ts = epoch_ms(e["ts"])
        assert ts is not None
        if customer in refusing:
            continue
        if (since is None or ts >= since) and (until is None or ts < until):
            events.append((customer, ts, e))
    population = {c for c, ts, _ in events if is_persona(c, ts)}
    switches: dict[str, list[tuple[int, str, str]]] = {}
    first_hit: dict[str, dict[str, int]] = {}
    for customer, ts, e in events:
        if e["type"] == "switch":
            switches.setdefault(customer, []).append((ts, e["event_id"], e["competitor"]))
        if is_persona(customer, ts):
            for friction in e.get("friction", []):
                hits = first_hit.setdefault(friction, {})
                hits[customer] = min(ts, hits.get(customer, ts))
    rows = []
    for friction, exposed in first_hit.items():
        competitors: Counter[str] = Counter()
        for customer, hit in exposed.items():
            in_window = sorted(s for s in switches.get(customer, []) if hit < s[0] <= hit + window_days * DAY_MS)
            if in_window:
                competitors[in_window[0][2]] += 1
        switched = sum(competitors.values())
        n = len(exposed)
        switch_rate = switched / n
        unexposed = population - set(exposed)
        baseline = rate(sum(1 for c in unexposed if c in switches), len(unexposed))
        low, high = wilson_interval(switched, n)
        rows.append({"friction": friction, "exposed": n, "switched": switched, "rate": switch_rate,
                     "baselineRate": baseline, "lift": lift(switch_rate, baseline), "ciLow": low, "ciHigh": high,
                     "competitors": [{"competitor": k, "count": v}
                                     for k, v in sorted(competitors.items(), key=lambda kv: (-kv[1], kv[0]))]})
    rows = [r for r in rows if r["exposed"] >= min_exposed]
    rows.sort(key=lambda r: (-r["switched"], r["lift"] is None, -(r["lift"] or 0.0), r["friction"]))
    return rows[:limit]


def analytics_refused(consents: list[dict[str, Any]]) -> bool:
    latest: tuple[int, bool] | None = None  # (ts, refused) of the latest analytics decision
    for k in consents:
        if k["purpose"] == "analytics":
            ts = epoch_ms(k.get("ts"))
            decision = (-1 if ts is None else ts, not k["granted"])
            latest = decision if latest is None else max(latest, decision)
    return latest is not None and latest[1]


def assert_same(graph_rows: list[Any], expected: list[dict[str, Any]]) -> None:
    assert [r["friction"] for r in graph_rows] == [r["friction"] for r in expected]
    for got, want in zip(graph_rows, expected, strict=True):
        for field in ("exposed", "switched", "competitors"):
            assert got[field] == want[field], (want["friction"], field)
        for field in ("rate", "baselineRate", "lift", "ciLow", "ciHigh"):
            if want[field] is None:
                assert got[field] is None, (want["friction"], field)
            else:
                assert got[field] == pytest.approx(want[field], rel=1e-9, abs=1e-12), (want["friction"], field)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from ingest.generator import generate

    out = tmp_path_factory.mktemp("generated")
    generate(out, customers=400, seed=11)
    return out


def _load_by_hand(store: GraphStore, data: Path, settings: Settings) -> None:
    import yaml

    catalog = yaml.safe_load((data / "catalog.yaml").read_text(encoding="utf-8"))
    load_twin(store, read_jsonl(data / "customers.jsonl"), read_jsonl(data / "events.jsonl"), catalog)


def _load_by_ingest(store: GraphStore, data: Path, settings: Settings) -> None:
    if importlib.util.find_spec("ingest.batch") is None:
        pytest.skip("ingest.batch does not exist yet")
    from ingest import batch

    ingest_files: Callable[..., Any] = batch.ingest_files
    ingest_files(store, settings, catalog=data / "catalog.yaml", customers=[data / "customers.jsonl"],
                 events=[data / "events.jsonl"])


LOADERS = {"hand-made": _load_by_hand, "ingest": _load_by_ingest}
CASES = [
    {"persona": "trend-seeker"},
    {"persona": "bargain-hunter", "window_days": 30, "min_exposed": 2, "limit": 20},
    {"persona": "busy-parent", "since": epoch_ms("2024-06-01T00:00:00Z"), "until": epoch_ms("2025-03-01T00:00:00Z")},
    {"persona": "loyal-pro", "window_days": 365},
]


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_friction_to_competitors_equals_the_python_recomputation(store: GraphStore, store_settings: Settings,
                                                                 generated: Path, loader: str) -> None:
    LOADERS[loader](store, generated, store_settings)
    compared = 0
    for case in CASES:
        expected = oracle(generated / "customers.jsonl", generated / "events.jsonl", **case)
        assert_same(friction_to_competitors(store, **case), expected)
        compared += sum(r["switched"] for r in expected)
    assert compared > 20, "the generated data should contain switches to compare"
    refusing = [c for c in read_jsonl(generated / "customers.jsonl") if analytics_refused(c.get("consents", []))]
    assert len(refusing) >= 5, "the generated data should refuse analytics for some customers, so the rule is tested"


def test_the_sydney_example_through_the_cli(store: GraphStore, store_settings: Settings, store_env: dict[str, str],
                                            examples: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    _load_by_ingest(store, examples, store_settings)
    from dtc.cli import main

    for name, value in store_env.items():  # the CLI reads the graph name (and the stream's Redis) from the env
        monkeypatch.setenv(name, value)

    argv = ["--store", store_settings.graph_url, "cypher", "run", "friction-to-competitors",
            "--param", "persona=trend-seeker", "--json"]
    assert main(argv) == 0
    rows = {r["friction"]: r for r in json.loads(capsys.readouterr().out)}
    assert (rows["long_wait"]["exposed"], rows["long_wait"]["switched"]) == (1, 1)
    assert rows["long_wait"]["competitors"] == [{"competitor": "glamco", "count": 1}]
    assert rows["colour_mismatch"]["switched"] == 0 and rows["colour_mismatch"]["competitors"] == []
    expected = oracle(examples / "customers.jsonl", examples / "events.jsonl", "trend-seeker")
    assert_same(sorted(rows.values(), key=lambda r: [e["friction"] for e in expected].index(r["friction"])), expected)
