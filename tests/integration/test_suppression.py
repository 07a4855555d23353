"""An erased person stays erased: the suppression list is checked by every way in (event and customer files, the
stream worker, POST /events), ids tied to her later are suppressed with their history, and only an audited lift lets
her data in again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from sydney_traces import dump, traces

from graph.analytics.friction import friction_to_competitors
from graph.privacy import audit_log, customer_ref
from graph.settings import Settings
from graph.store import GraphStore
from graph.suppression import entries, lift
from ingest.batch import ingest_files
from ingest.erasure import erase_everywhere
from ingest.identity import refs
from ingest.stream import EventStream, accept_events, run_worker
from ingest.suppression import Screen

KEY = b"test-identity-key"


def event(event_id: str, day: int, **fields: Any) -> dict[str, Any]:
    return {"event_id": event_id, "ts": f"2024-04-{day:02d}T10:00:00Z", "channel": "web", "touchpoint": "checkout",
            "type": "view", **fields}


def dtc(store: Path, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DTC_STATE_DIR=str(state), DTC_IDENTITY_KEY="suppression-test")
    return subprocess.run([sys.executable, "-m", "dtc.cli", "--store", f"embedded://{store}", *args],
                          capture_output=True, text=True, env=env, timeout=300)


def test_running_the_original_ingest_again_does_not_bring_her_back(tmp_path: Path, examples: Path) -> None:
    store, state = tmp_path / "twin", tmp_path / "state"
    events = tmp_path / "events.jsonl"
    shutil.copy(examples / "events.jsonl", events)
    ingest = ["ingest", "--quiet", "--catalog", str(examples / "catalog.yaml"), "--customers",
              str(examples / "customers.jsonl"), str(events)]
    assert dtc(store, state, *ingest).returncode == 0
    erased = dtc(store, state, "erase", "sydney")
    assert erased.returncode == 0, erased.stderr

    again = dtc(store, state, *ingest)
    assert again.returncode == 0, again.stderr
    assert "customers read 2, rejected 0, suppressed 1" in again.stdout  # her customer record
    os.utime(events, ns=(1, 1))  # the events file looks changed: read again, her five events are dropped too
    third = dtc(store, state, *ingest)
    assert "rejected 0, suppressed 5" in third.stdout, third.stdout

    graph = dtc(store, state, "cypher", "query", "MATCH (n) RETURN labels(n) AS l, properties(n) AS p", "--json")
    assert traces(graph.stdout) == []
    customers = dtc(store, state, "cypher", "query", "MATCH (c:Customer) RETURN c.id AS id", "--json")
    assert json.loads(customers.stdout) == [{"id": "alex"}]
    listed = json.loads(dtc(store, state, "suppression", "list", "--json").stdout)
    assert sorted(e["kind"] for e in listed) == ["customer", "identity"]  # her id and her hashed email
    assert traces(json.dumps(listed)) == []

    lifted = dtc(store, state, "suppression", "lift", "sydney", "--reason", "came back as a customer",
                 "--actor", "cli:dpo")
    assert lifted.returncode == 0 and "lifted 2" in lifted.stdout, lifted.stderr
    os.utime(events, ns=(2, 2))
    assert dtc(store, state, *ingest).returncode == 0
    customers = dtc(store, state, "cypher", "query", "MATCH (c:Customer) RETURN c.id AS id ORDER BY id", "--json")
    assert json.loads(customers.stdout) == [{"id": "alex"}, {"id": "sydney"}]
    trail = json.loads(dtc(store, state, "audit", "--json", "--customer", "sydney").stdout)
    assert [(e["action"], e["actor"]) for e in trail][-1] == ("suppression-lift", "cli:dpo")
    assert "reason=came back as a customer" in trail[-1]["detail"]


def test_the_stream_and_its_door_drop_and_count_her_events(sydney_twin: GraphStore,
                                                           store_settings: Settings) -> None:
    erase_everywhere(sydney_twin, store_settings, "sydney", "ERASE", actor="test:dpo")
    stream = EventStream.connect(sydney_twin, store_settings)
    hers = [event("n1", 1, customer_id="sydney"), event("n2", 2, identities={"email": "Sydney@Example.com"})]
    alex = event("n3", 3, customer_id="alex")

    door = accept_events(json.dumps([*hers, alex]).encode(), "application/json", stream,
                         Screen(sydney_twin, store_settings))
    assert (door.accepted, door.suppressed, door.to_json()["suppressed"]) == (1, 2, 2)
    assert stream.length() == 1  # hers were never queued
    # queued by a door that did not check (as events accepted before the erasure): the worker drops them
    accept_events(json.dumps(hers).encode(), "application/json", stream)
    report = run_worker(sydney_twin, store_settings, once=True)
    assert (report.applied, report.suppressed) == (1, 2)
    assert traces(dump(sydney_twin)) == []
    assert [r["id"] for r in sydney_twin.read("MATCH (i:Interaction) RETURN i.id AS id ORDER BY id")] == \
        ["e6", "e7", "n3"]


def test_an_anonymous_id_tied_to_her_later_is_suppressed_with_its_history(sydney_twin: GraphStore,
                                                                          store_settings: Settings,
                                                                          tmp_path: Path) -> None:
    erase_everywhere(sydney_twin, store_settings, "sydney", "ERASE", actor="test:dpo")

    def ingest(name: str, rows: list[dict[str, Any]]) -> int:
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        return ingest_files(sydney_twin, store_settings, events=[path]).suppressed

    # she browses anonymously: nothing ties the cookie to her yet
    assert ingest("browse", [event("a1", 5, identities={"cookie_id": "ck-9"}),
                             event("a2", 6, identities={"cookie_id": "ck-9", "device_id": "dev-4"})]) == 0
    [anonymous] = [r["id"] for r in sydney_twin.read("MATCH (c:Customer) WHERE c.id STARTS WITH 'anon-' "
                                                     "RETURN c.id AS id")]
    # she logs in: the event carries her e-mail with the cookie (and Alex's phone, which stays his)
    [phone] = refs(KEY, {"phone": "+33 600 000 001"})
    sydney_twin.write("MATCH (c:Customer {id: 'alex'}) CREATE (:Identity {key: $key, kind: 'phone', hash: $hash})"
                      "-[:IDENTIFIES]->(c)", {"key": phone.key, "hash": phone.hash})
    assert ingest("login", [event("a3", 7, identities={"email": "sydney@example.com", "cookie_id": "ck-9",
                                                       "phone": "+33600000001"})]) == 1

    assert not sydney_twin.read("MATCH (c:Customer {id: $id}) RETURN c", {"id": anonymous})
    assert not sydney_twin.read("MATCH (i:Interaction) WHERE i.id IN ['a1', 'a2', 'a3'] RETURN i")
    subject = customer_ref("sydney", KEY)
    assert {e["subject"] for e in entries(sydney_twin)} == {subject}
    assert len(entries(sydney_twin, subject)) == 5  # her id and e-mail; the cookie, the device, the anonymous id
    # the cookie and the device are hers now: their events are dropped too, whoever sends them
    assert ingest("later", [event("a4", 8, identities={"device_id": "DEV-4"}),
                            event("a5", 9, identities={"cookie_id": "ck-9"})]) == 2
    assert not sydney_twin.read("MATCH (c:Customer) WHERE c.id STARTS WITH 'anon-' RETURN c")
    assert ingest("alex", [event("a6", 10, identities={"phone": "+33 600 000 001"})]) == 0
    assert sydney_twin.read("MATCH (i:Interaction {id: 'a6'}) RETURN i.customer_id AS c") == [{"c": "alex"}]
    erased = audit_log(sydney_twin, action="erase")
    assert [(e["actor"], e["subject"]) for e in erased] == [("test:dpo", subject),
                                                            ("ingest:suppression", customer_ref(anonymous, KEY))]


def test_a_customer_file_cannot_bring_her_back_and_anonymize_suppresses_too(sydney_twin: GraphStore,
                                                                            store_settings: Settings,
                                                                            examples: Path, tmp_path: Path) -> None:
    erase_everywhere(sydney_twin, store_settings, "sydney", "ANONYMIZE", actor="test:dpo")
    before = friction_to_competitors(sydney_twin, "trend-seeker")

    events = tmp_path / "events-again.jsonl"  # another path: no checkpoint skips it
    shutil.copy(examples / "events.jsonl", events)
    report = ingest_files(sydney_twin, store_settings, customers=[examples / "customers.jsonl"], events=[events])

    assert (report.customers_suppressed, report.suppressed) == (1, 5)  # her record; her events, e5 by e-mail alone
    assert traces(dump(sydney_twin)) == []
    assert friction_to_competitors(sydney_twin, "trend-seeker") == before  # her pseudonymous history, once


def test_lifting_needs_a_reason_and_names_her_only_by_her_reference(sydney_twin: GraphStore,
                                                                     store_settings: Settings) -> None:
    import pytest

    from graph.errors import InputError

    erase_everywhere(sydney_twin, store_settings, "sydney", "ERASE", actor="test:dpo")
    with pytest.raises(InputError, match="reason"):
        lift(sydney_twin, "sydney", KEY, actor="test:dpo", reason="  ")
    assert lift(sydney_twin, "sydney", KEY, actor="test:dpo", reason="asked to come back") == 2
    assert entries(sydney_twin) == []
    assert lift(sydney_twin, "nobody", KEY, actor="test:dpo", reason="typo") == 0
    lifts = audit_log(sydney_twin, action="suppression-lift")
    assert [e["subject"] for e in lifts] == [customer_ref("sydney", KEY), customer_ref("nobody", KEY)]
    assert traces(json.dumps(lifts)) == []
