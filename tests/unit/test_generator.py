"""The demo generator: contract-valid, deterministic, Sydney merged in, and the planted effects really in the data.

The last test recomputes DESIGN.md's frictionToCompetitors in plain Python over the generated files (no store), so a
generator change that weakens an effect fails here even before any ingest runs.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from graph.actions import WIN_BACK_TRIGGER
from graph.errors import InputError
from ingest.demo_catalog import SYDNEY_CATALOG, SYDNEY_CUSTOMERS, SYDNEY_EVENTS, demo_catalog
from ingest.generator import generate, iter_jsonl

CONTRACTS = Path(__file__).resolve().parents[3] / "shared" / "contracts"
CHANNELS = {"web", "mobile_app", "store", "call_center", "email", "social", "chatbot"}
DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    generate(out, customers=600, seed=11)
    return out


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def _validator(name: str) -> jsonschema.protocols.Validator:
    if not CONTRACTS.exists():
        pytest.skip(f"the contract schemas are not at {CONTRACTS}")
    schema = json.loads((CONTRACTS / name).read_text())
    return jsonschema.Draft202012Validator(schema)


def test_every_file_follows_the_contract_schemas(demo: Path) -> None:
    catalog = yaml.safe_load((demo / "catalog.yaml").read_text())
    _validator("catalog.schema.json").validate(catalog)
    customers = _validator("customer.schema.json")
    for record in iter_jsonl(demo / "customers.jsonl"):
        customers.validate(record)
        for assignment in record.get("personas", []):
            for bound in ("since", "until"):
                if bound in assignment:
                    _ms(assignment[bound])
    events = _validator("event.schema.json")
    for n, event in enumerate(iter_jsonl(demo / "events.jsonl")):
        if n % 7 == 0:  # a sample keeps the test fast
            events.validate(event)
        assert _ms(event["ts"]) > 0


def test_codes_used_by_events_are_in_the_catalog(demo: Path) -> None:
    catalog = yaml.safe_load((demo / "catalog.yaml").read_text())
    codes = {kind: {e["code"] for e in entries} for kind, entries in catalog.items()}
    touchpoints = {t["code"]: t for t in catalog["touchpoints"]}
    for event in iter_jsonl(demo / "events.jsonl"):
        assert event["channel"] == touchpoints[event["touchpoint"]]["channel"]
        assert set(event.get("friction", ())) <= codes["frictions"]
        if "trigger" in event:
            assert event["trigger"] in codes["triggers"]
        if event["type"] == "switch":
            assert event["competitor"] in codes["competitors"]
    assert codes["channels"] >= CHANNELS
    assert {t["stage"] for t in catalog["touchpoints"]} == {"awareness", "consideration", "purchase", "retention",
                                                            "advocacy"}
    for trigger in codes["triggers"] - {WIN_BACK_TRIGGER}:  # every trigger has one action for each experience
        assert sorted(a["when"] for a in catalog["actions"] if a["trigger"] == trigger) == ["exceeded", "met",
                                                                                             "negative"]
    assert {a["code"] for a in catalog["actions"] if a["trigger"] == WIN_BACK_TRIGGER} == {"winback_call",
                                                                                          "winback_offer"}
    assert 3 <= len(catalog["personas"]) <= 5
    assert all(set(p["empathy"]) == {"think", "feel", "say", "do"} for p in catalog["personas"])
    assert all("owner" in f and f["owner"] in codes["stakeholders"] for f in catalog["frictions"])


def test_the_same_seed_gives_the_same_files_and_another_seed_does_not(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", customers=80, seed=3)
    second = generate(tmp_path / "b", customers=80, seed=3)
    other = generate(tmp_path / "c", customers=80, seed=4)
    for name in ("catalog.yaml", "customers.jsonl", "events.jsonl", "truth.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "events.jsonl").read_bytes() != (tmp_path / "c" / "events.jsonl").read_bytes()
    assert first.events == second.events != other.events
    assert first.customers == 82  # 80 generated + Sydney and Alex


def test_gzip_output_holds_the_same_events(tmp_path: Path) -> None:
    plain = generate(tmp_path / "plain", customers=40, seed=5)
    packed = generate(tmp_path / "gz", customers=40, seed=5, gzip_events=True)
    assert packed.events_path.name == "events.jsonl.gz"
    with gzip.open(packed.events_path, "rb") as f:
        assert f.read() == plain.events_path.read_bytes()


def test_the_sydney_example_is_in_the_demo_set(demo: Path) -> None:
    lines = (demo / "events.jsonl").read_text().splitlines()
    assert lines[:7] == SYDNEY_EVENTS.splitlines()
    customers = {r["customer_id"]: r for r in iter_jsonl(demo / "customers.jsonl")}
    assert customers["sydney"]["personas"][0]["persona"] == "trend-seeker"
    catalog = demo_catalog()
    for kind, entries in SYDNEY_CATALOG.items():
        merged = {e["code"]: e for e in catalog[kind]}
        for entry in entries:  # every example entry is there, with the example's own values
            assert {k: merged[entry["code"]][k] for k in entry} == entry


def test_the_embedded_sydney_copy_matches_the_shared_example() -> None:
    examples = CONTRACTS / "examples"
    if not examples.exists():
        pytest.skip(f"the contract examples are not at {examples}")
    # PyYAML reads `[Will this colour really suit me?]` as a syntax error ('?' ends a plain scalar in a flow list)
    text = re.sub(r"\[([^\[\]{},]*\?)\]", lambda m: json.dumps([m.group(1)]), (examples / "catalog.yaml").read_text())
    assert yaml.safe_load(text) == SYDNEY_CATALOG
    assert (examples / "customers.jsonl").read_text() == SYDNEY_CUSTOMERS
    assert (examples / "events.jsonl").read_text() == SYDNEY_EVENTS


def test_customers_show_personas_over_time_consents_and_x_data(demo: Path) -> None:
    customers = list(iter_jsonl(demo / "customers.jsonl"))
    changed = [c for c in customers if any("until" in p for p in c["personas"])]
    several = [c for c in customers if len({p["persona"] for p in c["personas"]}) > 1]
    refused = {c["customer_id"] for c in customers for k in c.get("consents", [])
               if k["purpose"] in ("marketing", "profiling") and not k["granted"]}
    assert 40 <= len(changed) <= 150  # ~15 % change persona
    assert len(several) > len(changed)
    assert 60 <= len(refused) <= 300
    for c in changed:  # a change closes one assignment where the next one starts
        ends = {p["until"] for p in c["personas"] if "until" in p}
        assert ends <= {p.get("since") for p in c["personas"]}
    events = list(iter_jsonl(demo / "events.jsonl"))
    assert {e["channel"] for e in events} >= CHANNELS
    assert {e.get("experience") for e in events} >= {"negative", "met", "exceeded"}
    assert sum("nps" in e for e in events) > 100 and sum("csat" in e for e in events) > 1000
    texts = [e["text"] for e in events if "text" in e]
    assert len(texts) > 1000 and len(set(texts)) < 120  # many verbatims from a small pool: cheap to embed
    by_customer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if "customer_id" in e:
            by_customer[e["customer_id"]].append(e)
    assert len({e["event_id"] for e in events}) == len(events)
    for stream in by_customer.values():  # each customer's events are in time order; nothing follows a switch
        stamps = [_ms(e["ts"]) for e in stream]
        assert stamps == sorted(stamps) or stream[0]["customer_id"] in ("sydney", "alex")
        switches = [i for i, e in enumerate(stream) if e["type"] == "switch"]
        assert switches in ([], [len(stream) - 1])


def friction_to_competitors(outdir: Path, persona: str, window_days: int = 90) -> list[dict[str, Any]]:
    """DESIGN.md's frictionToCompetitors over the files, in plain Python: the oracle for the planted effects."""
    shows: dict[str, list[tuple[int | None, int | None]]] = defaultdict(list)
    by_identity: dict[tuple[str, str], str] = {}
    for record in iter_jsonl(outdir / "customers.jsonl"):
        for kind, value in (record.get("identities") or {}).items():
            by_identity[(kind, value)] = record["customer_id"]
        for a in record.get("personas", []):
            if a["persona"] == persona and a.get("weight", 1) > 0:
                shows[record["customer_id"]].append((_ms(a["since"]) if "since" in a else None,
                                                     _ms(a["until"]) if "until" in a else None))

    def is_persona(customer: str, t: int) -> bool:
        return any((s is None or s <= t) and (u is None or t < u) for s, u in shows.get(customer, ()))

    population: set[str] = set()
    first_hit: dict[str, dict[str, int]] = defaultdict(dict)
    switches: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for e in iter_jsonl(outdir / "events.jsonl"):
        customer = e.get("customer_id") or next(by_identity[kv] for kv in e["identities"].items())
        t = _ms(e["ts"])
        if e["type"] == "switch":
            switches[customer].append((t, e["competitor"]))
        if is_persona(customer, t):
            population.add(customer)
            for f in e.get("friction", ()):
                first_hit[f][customer] = min(t, first_hit[f].get(customer, t))
    rows: list[dict[str, Any]] = []
    for friction, exposed in first_hit.items():
        competitors: dict[str, int] = defaultdict(int)
        for customer, t in exposed.items():
            in_window = sorted(s for s in switches[customer] if t < s[0] <= t + window_days * DAY_MS)
            if in_window:
                competitors[in_window[0][1]] += 1
        switched = sum(competitors.values())
        others = population - exposed.keys()
        baseline = sum(1 for c in others if switches[c]) / len(others) if others else None
        rate = switched / len(exposed)
        rows.append({"friction": friction, "exposed": len(exposed), "switched": switched, "rate": rate,
                     "lift": rate / baseline if baseline else None, "competitors": dict(competitors)})
    rows.sort(key=lambda r: (-r["switched"], -(r["lift"] or 0), r["friction"]))
    return rows


def test_every_planted_effect_is_the_top_friction_of_its_persona_with_lift_above_3(demo: Path) -> None:
    truth = json.loads((demo / "truth.json").read_text())
    assert len(truth["effects"]) == 3
    for effect in truth["effects"]:
        rows = friction_to_competitors(demo, effect["persona"], effect["window_days"])
        top = rows[0]
        assert top["friction"] == effect["friction"], rows[:3]
        assert top["lift"] > 3
        assert max(top["competitors"], key=top["competitors"].get) == effect["competitor"]
        assert top["switched"] >= 2 * rows[1]["switched"]  # a clear winner, not a coin toss
        assert effect["planted_switches"] > 0


def test_more_history_keeps_the_customers_and_multiplies_their_events(tmp_path: Path) -> None:
    once = generate(tmp_path / "once", customers=200, seed=3, include_sydney=False)
    four = generate(tmp_path / "four", customers=200, seed=3, include_sydney=False, history=4)
    assert (tmp_path / "once" / "customers.jsonl").read_bytes() == (tmp_path / "four" / "customers.jsonl").read_bytes()
    assert 3.3 * once.events < four.events < 4.1 * once.events
    assert four.switches == once.switches

    def by_customer(path: Path) -> dict[str, list[dict[str, Any]]]:
        owners = {f"CRM-{n:07d}": f"c{n:06d}" for n in range(1, 201)}
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for event in iter_jsonl(path):
            grouped[event.get("customer_id") or owners[event["identities"]["crm_id"]]].append(event)
        return grouped

    short, long = by_customer(once.events_path), by_customer(four.events_path)
    assert short.keys() == long.keys()
    for customer, events in long.items():
        assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)
        # the same switch, still the customer's last event; the first run's sessions are all there
        switches = [(e["ts"], e["competitor"]) for e in events if e["type"] == "switch"]
        assert switches == [(e["ts"], e["competitor"]) for e in short[customer] if e["type"] == "switch"]
        assert not switches or events[-1]["type"] == "switch"
        assert {e.get("session_id") for e in short[customer]} <= {e.get("session_id") for e in events}
    with pytest.raises(InputError, match="history=0"):
        generate(tmp_path / "none", customers=1, history=0)
