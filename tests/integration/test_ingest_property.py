"""Any line of an events file lands or is rejected, and the job finishes (issue 11, the ingest half of the first
"Done when" point): hypothesis writes events files of generated lines (valid events with hostile fields, any JSON
value, any text or bytes), `ingest_files` loads each into the real embedded store, and every line either reads back
from the graph equal field for field or is in the rejects file with a coded reason. Through the stream's door
(`POST /events`), what is accepted is applied and the rest is refused in the answer (issue 11, item 9).

A fixed budget of examples fits a busy 2-core CI run; the seed is printed on failure (DTC_FUZZ_SEED=N reruns it,
DTC_FUZZ_EXAMPLES=N changes the budget)."""

from __future__ import annotations

import itertools
import json
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, note, seed, settings
from hypothesis import strategies as st

from graph.settings import Settings
from graph.store import GraphStore
from graph.strict_json import MalformedJSONError
from ingest.batch import ingest_files
from ingest.reasons import REJECT_CODES, reject_code
from ingest.stream import EventStream, accept_events, run_worker

SEED = int(os.environ.get("DTC_FUZZ_SEED") or random.randrange(2**32))
FUZZ = settings(max_examples=int(os.environ.get("DTC_FUZZ_EXAMPLES", "100")), deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.filter_too_much], print_blob=True)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BOM = b"\xef\xbb\xbf"
# the fields the Interaction node holds as they came (event_id as its id); the others are compared apart
PLAIN_FIELDS = ("session_id", "channel", "touchpoint", "type", "stage", "outcome", "experience", "trigger",
                "competitor", "product", "currency")
CODE_FIELDS = ("session_id", "channel", "touchpoint", "type", "trigger", "competitor", "product")
NUMBER_FIELDS = ("csat", "ces", "nps", "sentiment", "value")
CONTRACT_FIELDS = ("event_id", *PLAIN_FIELDS, *NUMBER_FIELDS, "text", "ts", "friction", "attributes", "customer_id",
                   "identities")
# FalkorDB stores a double exactly but answers it to 15 significant digits: numbers are compared in the store; an
# event without a stage takes its touchpoint's (the contract)
IN_THE_STORE = ("MATCH (i:Interaction {id: $id}) OPTIONAL MATCH (i)-[:AT]->(t:Touchpoint) "
                "RETURN i.csat = $csat AS csat, i.ces = $ces AS ces, i.nps = $nps AS nps, "
                "i.sentiment = $sentiment AS sentiment, i.value = $value AS value, t.stage AS touchpoint_stage")

HOSTILE_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["a\x00b", "\ud800", "x\udfff", "", " lead", "trail ", "é 😀 \u2028\u2029 \ufeff", "\r\n",
                     "'}) MATCH (n) DETACH DELETE n //", "\\u0000", '"', "9" * 5000, "x" * 10_001]),
)
SCALARS = (st.none() | st.booleans() | st.integers() | st.integers(-(2**80), 2**80) | st.floats() | HOSTILE_TEXT)
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    HOSTILE_TEXT, inner, max_size=3), max_leaves=8)
CODES = st.sampled_from(["web", "app", "checkout", "slow_page", "promo", "acme", "p1"]) | st.text(min_size=1,
                                                                                                   max_size=12)
MOMENTS = st.datetimes(datetime(1971, 1, 1), datetime(2090, 1, 1), timezones=st.just(UTC))
VALID = {  # a value the contract allows, per field
    "ts": MOMENTS.map(lambda t: t.isoformat().replace("+00:00", "Z")),
    "customer_id": CODES, "session_id": CODES, "channel": CODES, "touchpoint": CODES, "type": CODES,
    "trigger": CODES, "competitor": CODES, "product": CODES,
    "stage": st.sampled_from(["awareness", "consideration", "purchase", "retention", "advocacy"]),
    "outcome": st.sampled_from(["success", "failure", "abandoned"]),
    "experience": st.sampled_from(["negative", "met", "exceeded"]),
    "csat": st.integers(1, 5), "ces": st.integers(1, 7), "nps": st.integers(0, 10),
    "sentiment": st.floats(-1, 1), "value": st.floats(-1e9, 1e9) | st.integers(-(2**40), 2**40),
    "currency": st.sampled_from(["EUR", "USD"]), "text": st.text(max_size=200),
    "friction": st.lists(CODES, max_size=3, unique=True),
    "attributes": st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=3),
    "identities": st.fixed_dictionaries({"email": st.sampled_from(["ann@shop.example", "bo@shop.example"])}),
}
BASE = {"customer_id": "ann", "channel": "web", "touchpoint": "checkout", "type": "view"}
FIELD_NAMES = st.sampled_from(CONTRACT_FIELDS) | st.text(max_size=10)


@st.composite
def events(draw: st.DrawFn) -> dict[str, Any]:
    """A valid event, then a few fields set to valid values, to anything JSON holds, or removed (null)."""
    event: dict[str, Any] = {**BASE, "ts": draw(VALID["ts"])}
    for name in draw(st.lists(FIELD_NAMES, max_size=4)):
        valid = VALID.get(name)
        event[name] = draw(valid if valid is not None and draw(st.booleans()) else JSON_VALUES)
    return event


LINES = st.one_of(
    events().map(lambda e: ("event", e)),
    JSON_VALUES.map(lambda v: ("json", v)),
    st.text(max_size=60).filter(lambda t: "\n" not in t and t.lstrip("\ufeff").strip()).map(lambda t: ("text", t)),
    st.binary(min_size=1, max_size=60).filter(lambda b: b"\n" not in b and b.lstrip(BOM).strip()).map(
        lambda b: ("bytes", b)),
)  # a blank line (a byte-order mark alone too) is no row: the reader skips it


def encoded(kind: str, value: Any, ascii_only: bool) -> bytes:
    if kind == "bytes":
        return bytes(value)
    text = value if kind == "text" else json.dumps(value, ensure_ascii=ascii_only)
    return text.encode("utf-8", "surrogatepass")  # what a careless writer puts in a file


def as_code(value: Any) -> Any:
    """An id or code as the contract reads it: an integer is its decimal text, surrounding spaces are dropped."""
    return str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else value


def epoch_ms(ts: str) -> int:
    return (datetime.fromisoformat(ts) - EPOCH) // timedelta(milliseconds=1)


def expected_attributes(event: dict[str, Any]) -> dict[str, Any] | None:
    """Unknown top-level keys are kept under attributes, beside the event's own (the contract)."""
    merged = {**{k: v for k, v in event.items() if k not in CONTRACT_FIELDS}, **(event.get("attributes") or {})}
    return merged or None


def expected_frictions(friction: Any) -> list[str]:
    codes = friction.split(";") if isinstance(friction, str) else friction or []
    return [code.strip() for code in codes]


_files = itertools.count()


@seed(SEED)
@FUZZ
@given(lines=st.lists(LINES, min_size=1, max_size=8), ascii_only=st.booleans())
def test_every_line_of_an_events_file_lands_equal_or_is_rejected_with_a_reason(
        store: GraphStore, store_settings: Settings, tmp_path: Path, lines: list[tuple[str, Any]],
        ascii_only: bool) -> None:
    note(f"reproduce with DTC_FUZZ_SEED={SEED}")
    store.clear()
    n = next(_files)
    lines = [(kind, {"event_id": f"f{n}-{number}", **value} if kind == "event" else value)
             for number, (kind, value) in enumerate(lines, start=1)]
    source = tmp_path / f"events-{n}.jsonl"
    source.write_bytes(b"".join(encoded(kind, value, ascii_only) + b"\n" for kind, value in lines))

    report = ingest_files(store, store_settings, events=[source], batch_size=3)  # small batches: several per file

    assert report.exit_code in (0, 3) and report.read == len(lines), (report.summary(), SEED)
    rejects_file = Path(f"{source}.rejects.jsonl")
    rejects = [json.loads(x) for x in rejects_file.read_text("utf-8").splitlines()] if rejects_file.exists() else []
    rejected = {r["line"]: r for r in rejects}
    assert len(rejected) == len(rejects) == report.rejected, (rejects, SEED)
    assert all(r["code"] in REJECT_CODES and r["reason"].startswith(r["code"] + ": ") for r in rejects), (rejects,
                                                                                                           SEED)
    stored = {r["i"]["id"]: r["i"] for r in store.read("MATCH (i:Interaction) RETURN properties(i) AS i")}
    first_of: dict[str, int] = {}
    for number, (kind, value) in enumerate(lines, start=1):
        if number in rejected:
            continue
        assert kind in ("event", "json") and isinstance(value, dict), (number, value, SEED)
        event_id = as_code(value["event_id"])
        assert event_id in stored, (number, value, rejects, SEED)  # landed
        if first_of.setdefault(event_id, number) != number:
            continue  # a later line with the same event id is a duplicate: the first one's fields stay
        node = stored[event_id]
        [same] = store.read(IN_THE_STORE, {"id": event_id, **{f: value.get(f) for f in NUMBER_FIELDS}})
        expected = {f: as_code(value.get(f)) if f in CODE_FIELDS else value.get(f) for f in PLAIN_FIELDS}
        if expected["stage"] is None:
            expected["stage"] = node.get("stage") if node.get("stage") in (None, same["touchpoint_stage"]) else "?"
        assert {f: node.get(f) for f in PLAIN_FIELDS} == expected, (value, SEED)
        text = value.get("text")
        assert node.get("text") == (text if text and text.strip() else None), (value, SEED)  # blank is no text
        assert {f: same[f] if value.get(f) is not None else node.get(f) for f in NUMBER_FIELDS} == {
            f: True if value.get(f) is not None else None for f in NUMBER_FIELDS}, (value, same, SEED)
        assert node["ts"] == epoch_ms(value["ts"].replace("Z", "+00:00").replace("z", "+00:00")), (value, SEED)
        assert (node.get("frictions") or []) == expected_frictions(value.get("friction")), (value, SEED)
        attributes = node.get("attributes")
        assert (json.loads(attributes) if attributes else None) == expected_attributes(value), (value, SEED)
        if value.get("customer_id") is not None:
            assert node["customer_id"] == as_code(value["customer_id"]), (value, SEED)
    assert report.ingested + report.duplicates + report.rejected + report.suppressed == len(lines), report.summary()


@seed(SEED)
@settings(FUZZ, max_examples=max(10, FUZZ.max_examples // 2))
@given(rows=st.lists(st.one_of(events().map(lambda e: ("event", e)), JSON_VALUES.map(lambda v: ("json", v))),
                     min_size=1, max_size=8))
def test_what_the_event_door_accepts_the_worker_applies(store: GraphStore, store_settings: Settings,
                                                       rows: list[tuple[str, Any]]) -> None:
    """Accepted means applied (issue 11, item 9): what POST /events' door (`accept_events`) queues, a worker applies,
    none of it refused or left as a dead letter; what it cannot apply is refused in its answer, with a code (a body
    the API will not read as a whole, MalformedJSONError, is its 400 MALFORMED_BODY: nothing queued)."""
    note(f"reproduce with DTC_FUZZ_SEED={SEED}")
    store.clear()
    stream = EventStream.connect(store, store_settings)
    stream.client.delete(stream.key, stream.dead_letters.key)
    n = next(_files)
    values = [{"event_id": f"s{n}-{number}", **value} if kind == "event" else value
              for number, (kind, value) in enumerate(rows, start=1)]
    accepted: list[str] = []
    for value in values:  # one body each: a body refused whole costs only its row
        try:
            answer = accept_events(json.dumps(value).encode(), "application/json", stream)
        except MalformedJSONError as e:
            assert e.code in REJECT_CODES, (e, SEED)
            continue
        items = value if isinstance(value, list) else [value]  # an array body is a batch of rows
        refused = {error["row"] for error in answer.errors}
        assert (answer.accepted, answer.rejected, answer.suppressed) == (len(items) - len(refused), len(refused), 0)
        assert all(reject_code(reason) in REJECT_CODES for error in answer.errors for reason in error["errors"]), (
            answer, SEED)
        accepted += [as_code(item["event_id"]) for row, item in enumerate(items, start=1) if row not in refused]

    worker = run_worker(store, store_settings, once=True)

    assert (worker.invalid, worker.dead_letters) == (0, 0), (worker, SEED)
    assert worker.applied + worker.duplicates == len(accepted), (worker, accepted, SEED)
    stored = {r["id"] for r in store.read("MATCH (i:Interaction) RETURN i.id AS id")}
    assert stored == set(accepted), (values, SEED)
