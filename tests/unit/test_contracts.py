"""Validation of events and customer records against the shared contracts, with the reasons a person reads."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cypher.moments import from_epoch_ms, rfc3339, rfc3339_ms, written_moment
from ingest.accounts import validate_membership
from ingest.contracts import (
    event_to_json,
    from_csv_row,
    validate_customer,
    validate_event,
)
from ingest.reasons import REJECT_CODES, reject_code

GOOD: dict[str, Any] = {"event_id": "e1", "customer_id": "c1", "ts": "2024-03-01T18:00:00Z", "channel": "web",
                        "touchpoint": "checkout", "type": "view"}


def reasons(**changes: Any) -> list[str]:
    obj = {k: v for k, v in {**GOOD, **changes}.items() if v is not None}
    return validate_event(obj)[1]


def test_every_example_event_and_customer_is_valid(examples: Path) -> None:
    for line in (examples / "events.jsonl").read_text().splitlines():
        assert validate_event(json.loads(line))[1] == []
    for line in (examples / "customers.jsonl").read_text().splitlines():
        assert validate_customer(json.loads(line))[1] == []


def test_a_valid_event_is_normalised() -> None:
    event, errors = validate_event({**GOOD, "ts": "2024-03-01T20:00:00+02:00", "friction": ["slow"], "csat": 4,
                                    "campaign": "spring"})
    assert errors == [] and event is not None
    assert event.ts == 1_709_316_000_000 and event.friction == ("slow",) and event.csat == 4
    assert event.attributes == {"campaign": "spring"}  # unknown keys are kept as attributes


@pytest.mark.parametrize(("changes", "reason"), [
    ({"csat": 9}, "csat 9 is outside 1..5"),
    ({"ces": 0}, "ces 0 is outside 1..7"),
    ({"nps": 7.5}, "nps 7.5 must be a whole number 0..10"),
    ({"sentiment": "bad"}, "sentiment 'bad' is not a number"),
    ({"ts": "yesterday"}, "ts 'yesterday' is not an RFC 3339 date-time with an offset"),
    ({"ts": "2024-03-01T18:00:00"}, "is not an RFC 3339 date-time with an offset"),
    ({"ts": "2024-02-30T10:00:00Z"}, "is not a real date and time"),
    ({"event_id": None}, "event_id is missing"),
    ({"channel": None}, "channel is missing"),
    ({"type": "switch"}, "a 'switch' event needs a competitor"),
    ({"stage": "shopping"}, "stage 'shopping' is not one of awareness"),
    ({"currency": "euro"}, "currency 'euro' is not a three-letter"),
    ({"friction": ["a", "a"]}, "friction lists a code twice"),
    ({"customer_id": None}, "customer_id or identities is required"),
    ({"customer_id": None, "identities": {"email": "test@example.com"}}, "hold no usable identifier"),
])
def test_bad_events_are_refused_with_a_precise_reason(changes: dict[str, Any], reason: str) -> None:
    found = reasons(**changes)
    assert any(reason in r for r in found), found


def test_an_event_hits_at_most_100_frictions() -> None:
    # each code is a node, a HIT and a Timeline position list: 50,000 of them took one event 15 s to ingest, and every
    # later write that refolded its customer as long
    assert reasons(friction=[f"f{n}" for n in range(100)]) == []
    assert reasons(friction=[f"f{n}" for n in range(101)]) == [
        "too_long: friction lists 101 codes; the limit is 100 per event"]
    assert reasons(friction=";".join(f"f{n}" for n in range(50_000))) == [
        "too_long: friction lists 50000 codes; the limit is 100 per event"]


def test_attributes_are_descriptors_of_at_most_32000_bytes_of_json() -> None:
    assert reasons(attributes={"note": "x" * 31_000}) == []
    found = reasons(attributes={f"k{n}": n for n in range(10_000)})
    assert found == ["too_long: attributes are 127,781 bytes as JSON (unknown top-level keys included); the limit is "
                     "32,000"], found
    found = reasons(**{f"extra{n}": "v" * 100 for n in range(400)})  # unknown top-level keys are attributes too
    assert [r.split(":")[0] for r in found] == ["too_long"], found
    _, errors = validate_customer({"customer_id": "c1", "attributes": {"blob": "x" * 40_000}})
    assert [e.split(":")[0] for e in errors] == ["too_long"], errors
    _, errors = validate_membership({"account_id": "a1", "since": "2024-01-01T00:00:00Z", "customer_id": "c1",
                                     "traits": {"blob": "x" * 40_000}})
    assert errors == ["too_long: traits are 40,011 bytes as JSON; the limit is 32,000"], errors


def test_all_reasons_are_reported_at_once() -> None:
    assert len(reasons(csat=9, ts="soon", channel=None)) == 3


def test_an_event_with_only_identities_is_valid() -> None:
    event, errors = validate_event({**GOOD, "customer_id": None, "identities": {"email": "a@b.org"}})
    assert errors == [] and event is not None and event.customer_id is None


def test_csv_rows_use_the_same_names_with_lists_split_on_semicolons() -> None:
    obj = from_csv_row({"event_id": "e9", "customer_id": "c1", "ts": "2024-03-01T18:00:00Z", "channel": "web",
                        "touchpoint": "checkout", "type": "feedback", "csat": "4", "friction": "slow; lost",
                        "identities.email": "a@b.org", "text": ""})
    assert obj["csat"] == 4 and obj["friction"] == ["slow", "lost"] and obj["identities"] == {"email": "a@b.org"}
    assert "text" not in obj
    assert validate_event(obj)[1] == []


def test_an_event_goes_back_to_contract_form() -> None:
    event, _ = validate_event({**GOOD, "friction": ["slow"]})
    assert event is not None
    assert event_to_json(event) == {**GOOD, "ts": "2024-03-01T18:00:00.000Z", "friction": ["slow"]}


def test_customer_records_check_personas_and_consents() -> None:
    record, errors = validate_customer({"customer_id": "c1", "pii": {"name": "Ann"}, "personas": [
        {"persona": "p", "weight": 0.5, "since": "2024-01-01T00:00:00Z"}],
        "consents": [{"purpose": "marketing", "granted": False}]})
    assert errors == [] and record is not None and record.personas[0].since == 1_704_067_200_000
    _, errors = validate_customer({"customer_id": "c1", "personas": [{"persona": "p", "weight": 2}],
                                   "consents": [{"purpose": "x", "granted": "yes"}], "relationship_stage": "gone"})
    assert len(errors) == 3 and any("weight 2 is outside 0..1" in e for e in errors)


# -- the door and the worker validate alike (the API queues what its door accepts; the worker reads it back) --------
def _timestamps() -> st.SearchStrategy[str]:
    """RFC 3339 texts in the forms the contract allows, from year 1 to 9999 with any offset."""
    def text(moment: datetime, sep: str, seconds: bool, fraction: str, offset_minutes: int, zone: str) -> str:
        clock = moment.strftime("%H:%M:%S" if seconds else "%H:%M") + (f".{fraction}" if seconds and fraction else "")
        sign, minutes = ("-" if offset_minutes < 0 else "+"), abs(offset_minutes)
        offset = {"Z": "Z", "z": "z", "colon": f"{sign}{minutes // 60:02d}:{minutes % 60:02d}",
                  "plain": f"{sign}{minutes // 60:02d}{minutes % 60:02d}"}[zone]
        return f"{moment.strftime('%Y-%m-%d').zfill(10)}{sep}{clock}{offset}"

    return st.builds(text, st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)),
                     st.sampled_from("Tt "), st.booleans(), st.text("0123456789", max_size=9),
                     st.integers(-(23 * 60 + 59), 23 * 60 + 59), st.sampled_from(["Z", "z", "colon", "plain"]))


_ANY = st.one_of(st.none(), st.booleans(), st.integers(-3, 12), st.floats(allow_nan=False, allow_infinity=False),
                 st.text(max_size=6))
_CODE = st.sampled_from(["web", "checkout", " padded ", "c1", "x" * 200, 42])
_FIELDS: dict[str, st.SearchStrategy[Any]] = {  # plausible values of each field, edge cases included
    "event_id": _CODE, "ts": _timestamps(), "channel": _CODE, "touchpoint": _CODE,
    "type": st.sampled_from(["view", "switch", "purchase", "feedback"]), "customer_id": _CODE,
    "identities": st.dictionaries(st.sampled_from(["email", "phone", "device_id", "cookie_id", "crm_id"]),
                                  st.sampled_from(["ann@shop.example", "test@example.com", "+61 400 123 456", "d-1",
                                                   7]), max_size=3),
    "session_id": _CODE, "competitor": _CODE, "trigger": _CODE, "product": _CODE,
    "stage": st.sampled_from(["awareness", "purchase", "advocacy"]), "outcome": st.sampled_from(["success", "failure"]),
    "experience": st.sampled_from(["negative", "met", "exceeded"]), "csat": st.integers(1, 5), "ces": st.floats(1, 7),
    "nps": st.integers(0, 10), "sentiment": st.floats(-1, 1), "value": st.floats(-1e12, 1e12), "text": st.text(),
    "currency": st.sampled_from(["EUR", "USD"]),
    "friction": st.one_of(st.sampled_from(["slow", "slow; lost"]), st.lists(st.sampled_from(["a", " b "]), max_size=2,
                                                                                unique=True)),
    "attributes": st.dictionaries(st.text(max_size=4), _ANY, max_size=2), "campaign": _ANY,  # campaign: an extra key
}
_REQUIRED = ("event_id", "ts", "channel", "touchpoint", "type")


@st.composite
def _raw_events(draw: st.DrawFn) -> dict[str, Any]:
    """Event objects as a caller sends them: the required fields and some others, each now and then null or of an
    odd type, where it hurts."""
    names = [*_REQUIRED, *draw(st.sets(st.sampled_from(sorted(set(_FIELDS) - set(_REQUIRED)))))]
    return {name: draw(_ANY) if draw(st.integers(0, 5)) == 0 else draw(_FIELDS[name]) for name in names}


@settings(max_examples=400, deadline=None)
@given(_raw_events())
def test_an_event_the_door_accepts_is_read_back_the_same_by_the_worker(obj: dict[str, Any]) -> None:
    """POST /events and recordEvent queue what `validate_event` accepts, as `event_to_json` writes it; the worker
    validates it again. Accepted means applied, so the second reading must accept it and give the same event (found by
    this test: a null customer_id and no identities, a switch with a null competitor, and a ts whose UTC day is in
    year 0 were accepted at the door and dropped or crashed on the way to the worker)."""
    event, _ = validate_event(obj)
    if event is None:
        return
    queued = json.dumps(event_to_json(event), ensure_ascii=False).encode("utf-8")  # as the stream entry holds it
    assert validate_event(json.loads(queued)) == (event, [])


_FIRST_MS, _LAST_MS = -62_135_596_800_000, 253_402_300_799_999  # 0001-01-01T00:00:00.000Z, 9999-12-31T23:59:59.999Z


@settings(deadline=None)  # a busy machine must not fail it
@given(st.integers(_FIRST_MS, _LAST_MS) | st.sampled_from([_FIRST_MS, -1, 0, _LAST_MS]),
       st.sampled_from(["milliseconds", "seconds", "auto"]))
def test_a_moment_is_written_as_its_utc_time_with_z_and_read_back_the_same(ms: int, timespec: str) -> None:
    written = rfc3339(ms, timespec)
    assert written == from_epoch_ms(ms).isoformat(timespec=timespec).replace("+00:00", "Z")
    if timespec == "milliseconds":
        assert rfc3339_ms(written) == ms == rfc3339_ms(written_moment(ms))


@settings(max_examples=300, deadline=None)
@given(_raw_events())
def test_every_reason_starts_with_a_reject_code(obj: dict[str, Any]) -> None:
    _, errors = validate_event(obj)
    assert all(reject_code(e) in REJECT_CODES for e in errors), errors


def test_every_reject_code_is_documented() -> None:
    documented = (Path(__file__).resolve().parents[2] / "docs" / "ingest.md").read_text(encoding="utf-8")
    assert [code for code in REJECT_CODES if f"| `{code}` |" not in documented] == []


@pytest.mark.parametrize(("changes", "reason"), [
    ({"text": "a\x00b"}, "invalid_character: text holds a NUL character (U+0000) at character 2"),
    ({"attributes": {"note": ["ok", "x\udfff"]}}, "invalid_character: attributes.note[1] holds a lone surrogate"),
    ({"identities": {"em\x00ail": "a@b.org"}}, "invalid_character: the name 'em\\x00ail' of a field of identities"),
    ({"value": 2**63}, "number_too_large: value (an integer of about 19 digits) is outside the 64-bit integers"),
    ({"value": float("inf")}, "number_too_large: value Infinity is too large for a double"),
])
def test_what_the_store_cannot_hold_is_refused_naming_the_field(changes: dict[str, Any], reason: str) -> None:
    found = reasons(**changes)
    assert any(r.startswith(reason) for r in found), found


def test_personal_data_numbers_must_fit_the_store_too() -> None:
    _, errors = validate_customer({"customer_id": "c1", "pii": {"age": 10**30, "name": "Ann\x00"}})
    assert sorted(e.split(":")[0] for e in errors) == ["invalid_character", "number_too_large"], errors


def test_the_largest_64_bit_integers_are_values() -> None:
    assert reasons(value=2**63 - 1) == [] and reasons(value=-(2**63)) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-05-01T10:00:00Z", 1_714_557_600_000),
    ("2024-05-01t10:00:00z", 1_714_557_600_000),  # RFC 3339 allows lower case t and z
    ("2024-05-01 12:00:00.5+02:00", 1_714_557_600_500),
    ("1969-12-31T23:59:59.9995Z", -1),  # sub-milliseconds round toward minus infinity, before 1970 too
    ("20240501T100000Z", None),  # ISO 8601's basic format is not RFC 3339
    ("2024-W18-3T10:00Z", None),
    ("2024-05-01T10:00:00+02", None),
    ("2024-05-01T10:00:00", None),  # no offset
])
def test_an_event_and_a_query_read_a_moment_by_one_rule(text: str, expected: int | None) -> None:
    """One RFC 3339 parser: an event's ts (ingest) and a query's datetime parameter (cypher) agree on every text."""
    from cypher import NamedQueryError, Param

    event, errors = validate_event({**GOOD, "ts": text})
    assert (event.ts if event else None) == expected, errors
    since = Param("since", "datetime", None, "")
    if expected is None:
        with pytest.raises(NamedQueryError, match="is not a valid datetime"):
            since.coerce(text)
    else:
        assert since.coerce(text) == expected
