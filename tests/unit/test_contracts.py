"""Validation of events and customer records against the shared contracts, with the reasons a person reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingest.contracts import event_to_json, from_csv_row, validate_customer, validate_event

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
