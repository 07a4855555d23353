"""`dtc ocel` writes an OCEL 2.0 JSON log that the standard's own schema accepts, without refusing customers or
personal data, audited, and streamed: memory does not grow with the number of events."""

from __future__ import annotations

import json
import tracemalloc
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from oracle import data, twin

from graph.ocel import export_ocel
from graph.privacy import audit_log
from graph.settings import Settings
from graph.store import GraphStore
from ingest.batch import ingest_files

SCHEMA = json.loads((Path(__file__).parent / "ocel20-schema-json.json").read_text(encoding="utf-8"))


def load(store: GraphStore, settings: Settings, files: Path, tmp_path: Path) -> None:
    report = ingest_files(store, replace(settings, state_dir_override=str(tmp_path / "state")),
                          catalog=files / "catalog.yaml", customers=[files / "customers.jsonl"],
                          events=[files / "events.jsonl"])
    assert report.rejected == 0, report


def test_the_log_is_valid_ocel_2_without_refusals_or_personal_data(store: GraphStore, store_settings: Settings,
                                                                   tmp_path: Path) -> None:
    files = data.generate(tmp_path / "data", customers=60, seed=5)
    load(store, store_settings, files, tmp_path)
    store.write("MATCH (c:Customer) SET c.pii_name = 'Ada Lovelace-' + c.id")  # personal data the log must not hold
    target = tmp_path / "twin.ocel.json"
    with target.open("w", encoding="utf-8") as out:
        report = export_ocel(store, out, actor="test:ocel", page=7)
    text = target.read_text(encoding="utf-8")
    log = json.loads(text)
    jsonschema.validate(log, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert "pii_" not in text and "Ada Lovelace" not in text and "@example.org" not in text

    rebuilt = twin.load(files)
    counted = {c.id: c for c in rebuilt.counted()}
    refusing = set(rebuilt.customers) - set(counted)
    assert refusing, "the data should hold analytics refusers"
    assert report.events == len(log["events"]) == sum(len(c.events) for c in counted.values())
    customers = {o["id"].removeprefix("customer:"): o for o in log["objects"] if o["type"] == "customer"}
    assert set(customers) == set(counted) and report.customers == len(counted)
    assert not {r["objectId"] for e in log["events"] for r in e["relationships"]} & {f"customer:{c}" for c in refusing}
    # every relationship points at an object of the log
    ids = {o["id"] for o in log["objects"]}
    assert {r["objectId"] for e in log["events"] for r in e["relationships"]} <= ids
    assert {r["objectId"] for o in log["objects"] for r in o.get("relationships", [])} <= ids
    assert {e["type"] for e in log["events"]} <= {t["name"] for t in log["eventTypes"]}
    # persona assignments are time-stamped attribute values: a change of persona is two values at its instant
    changed = next(c for c in counted.values() if any(until is not None for _, _, _, until in c.spans))
    persona, _, _, until = next(s for s in changed.spans if s[3] is not None)
    values = [(a["value"], a["time"]) for a in customers[changed.id]["attributes"] if a["name"] == f"persona:{persona}"]
    assert ("0", datetime.fromtimestamp(until / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")) in values
    entries = audit_log(store, action="export-ocel")
    assert len(entries) == 1 and entries[0]["actor"] == "test:ocel"
    assert f"{report.events} events" in entries[0]["detail"]


@pytest.mark.slow
def test_memory_stays_flat_as_the_log_grows(store: GraphStore, store_settings: Settings, tmp_path: Path) -> None:
    peaks = []
    for customers in (40, 160):
        store.clear()
        files = data.generate(tmp_path / f"data{customers}", customers=customers, seed=6)
        load(store, store_settings, files, tmp_path / str(customers))
        with (tmp_path / f"{customers}.json").open("w", encoding="utf-8") as out:
            tracemalloc.start()
            report = export_ocel(store, out, actor="test:ocel", page=10)
            peaks.append((report.events, tracemalloc.get_traced_memory()[1]))
            tracemalloc.stop()
    (small_events, small_peak), (large_events, large_peak) = peaks
    assert large_events > 3 * small_events
    # the peak is one page of customers and their events, whatever the log's size
    assert large_peak < 1.5 * small_peak, peaks
