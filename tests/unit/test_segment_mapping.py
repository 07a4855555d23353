"""The Segment Spec mapping (ingest.segment): time rules, event names, touchpoints, channels, traits, consent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cypher.moments import WrittenMoment, rfc3339_ms
from graph.errors import InputError
from ingest.accounts import validate_membership
from ingest.contracts import parse_ts, validate_customer, validate_event
from ingest.reasons import REJECT_CODES, reject_code
from ingest.segment import (
    NO_TIMESTAMP,
    SegmentRecords,
    SegmentReject,
    file_time,
    http_time,
    map_message,
    message_records,
)
from ingest.segment_mapping import load_segment_mapping


def ms(text: str) -> int:
    value, reason = parse_ts(text)
    assert reason is None and value is not None
    return value


ARRIVAL = ms("2024-05-01T12:00:00Z")


def track(**changes: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "track", "messageId": "m-1", "userId": "u-1", "event": "Product Viewed",
                               "timestamp": "2024-05-01T10:00:00Z", "properties": {}}
    message.update(changes)
    return {k: v for k, v in message.items() if v is not None}


def records(message: dict[str, Any], **kwargs: Any) -> SegmentRecords:
    mapped = map_message(message, **kwargs)
    assert isinstance(mapped, SegmentRecords), mapped
    return mapped


def event_of(message: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    event = records(message, **kwargs).event
    assert event is not None
    assert validate_event(event)[1] == [], event  # every mapped event passes the event contract as it is
    return event


def reject_of(message: Any, **kwargs: Any) -> str:
    mapped = map_message(message, **kwargs)
    assert isinstance(mapped, SegmentReject), mapped
    return mapped.reason


# -- time -------------------------------------------------------------------------------------------------------
def test_over_http_the_clock_skew_between_sent_at_and_arrival_is_taken_out() -> None:
    # the client's clock runs 2 hours behind: it stamped 09:59 and sent at 10:00, we received at 12:00
    message = {"timestamp": "2024-05-01T09:59:00Z", "sentAt": "2024-05-01T10:00:00Z"}
    assert http_time(message, ARRIVAL) == (ms("2024-05-01T11:59:00Z"), None)


def test_over_http_sent_at_comes_from_the_batch_when_the_message_has_none() -> None:
    message = {"timestamp": "2024-05-01T09:59:00.500Z"}
    assert http_time(message, ARRIVAL, "2024-05-01T10:00:00+00:00") == (ms("2024-05-01T11:59:00.500Z"), None)
    # the message's own sentAt wins over the batch's
    both = {**message, "sentAt": "2024-05-01T09:59:30.500Z"}
    assert http_time(both, ARRIVAL, "2024-05-01T10:00:00Z") == (ms("2024-05-01T11:59:30Z"), None)


def test_over_http_without_sent_at_the_timestamp_holds_and_without_either_the_arrival() -> None:
    assert http_time({"timestamp": "2024-05-01T09:59:00Z"}, ARRIVAL) == (ms("2024-05-01T09:59:00Z"), None)
    assert http_time({"sentAt": "2024-05-01T10:00:00Z"}, ARRIVAL) == (ARRIVAL, None)
    assert http_time({}, ARRIVAL) == (ARRIVAL, None)


def test_in_files_timestamp_then_received_minus_skew_then_original_then_received() -> None:
    full = {"timestamp": "2024-05-01T08:00:00Z", "receivedAt": "2024-05-01T12:00:00Z",
            "sentAt": "2024-05-01T10:00:00Z", "originalTimestamp": "2024-05-01T09:59:00Z"}
    assert file_time(full) == (ms("2024-05-01T08:00:00Z"), None)
    no_timestamp = {k: v for k, v in full.items() if k != "timestamp"}
    assert file_time(no_timestamp) == (ms("2024-05-01T11:59:00Z"), None)
    assert file_time({"originalTimestamp": "2024-05-01T09:59:00Z", "receivedAt": "2024-05-01T12:00:00Z"}) == (
        ms("2024-05-01T09:59:00Z"), None)
    assert file_time({"receivedAt": "2024-05-01T12:00:00Z"}) == (ms("2024-05-01T12:00:00Z"), None)


@pytest.mark.parametrize("when", ["2547-09-10T06:39:29.503Z", "2330-06-02T01:46:25.286Z", "1924-05-01T10:00:00.001Z"])
def test_a_message_keeps_the_millisecond_of_its_time(when: str) -> None:
    assert event_of(track(timestamp=when))["ts"] == when


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "2024-05-01T10:00:00.000Z",
                                  "9999-12-31T23:59:59.999Z"])
def test_a_mapped_time_is_read_back_as_the_moment_it_was_written_from(when: str) -> None:
    # the mapping parsed the message's time once: validation takes the milliseconds the text was written from
    mapped = records(track(timestamp=when, type="identify", traits={}))
    assert mapped.customer is not None
    written = mapped.customer["ts"]
    assert isinstance(written, WrittenMoment) and written == when and written.ms == ms(when)
    assert validate_customer(mapped.customer, anonymous=True)[0] is not None
    assert rfc3339_ms(written) == rfc3339_ms(str(written)) == written.ms  # the same moment the text parses to
    assert json.loads(json.dumps({"ts": written})) == {"ts": when}  # queued as plain text


def test_a_file_message_without_any_time_is_rejected_no_timestamp() -> None:
    reason = reject_of(track(timestamp=None))
    assert reason.startswith(f"{NO_TIMESTAMP}:")
    # over HTTP the arrival stands in
    assert event_of(track(timestamp=None), arrival_ms=ARRIVAL)["ts"] == "2024-05-01T12:00:00.000Z"


@pytest.mark.parametrize(("timestamp", "sent_at"), [("0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z"),
                                                   ("9999-12-31T00:00:00Z", "0001-01-01T00:00:00Z")])
def test_a_time_the_clock_skew_moves_past_year_9999_or_before_year_1_rejects_the_message(timestamp: str,
                                                                                        sent_at: str) -> None:
    # each time is readable, but arrival - (sentAt - timestamp) is no date: the message is refused, not the batch
    over_http = reject_of(track(timestamp=timestamp, sentAt=sent_at), arrival_ms=ARRIVAL)
    assert over_http.startswith("invalid_ts:") and "years 1 to 9999" in over_http
    in_file = reject_of(track(timestamp=None, originalTimestamp=timestamp, sentAt=sent_at,
                              receivedAt="2024-05-01T12:00:00Z"))
    assert in_file.startswith("invalid_ts:") and "years 1 to 9999" in in_file


def test_an_unreadable_time_rejects_the_message_naming_the_field() -> None:
    assert "timestamp 'yesterday'" in reject_of(track(timestamp="yesterday"))
    assert "sentAt" in reject_of(track(), arrival_ms=ARRIVAL, sent_at="soon")


# -- events -----------------------------------------------------------------------------------------------------
def test_message_id_is_the_event_id_and_user_id_the_customer() -> None:
    event = event_of(track(anonymousId="anon-7"))
    assert (event["event_id"], event["customer_id"]) == ("m-1", "u-1")
    assert event["identities"] == {"anonymous_id": "anon-7"}
    assert event["ts"] == "2024-05-01T10:00:00.000Z"


def test_a_message_without_message_id_gets_the_same_id_each_time() -> None:
    first = event_of(track(messageId=None))["event_id"]
    assert first == event_of(track(messageId=None))["event_id"]
    assert first != event_of(track(messageId=None, event="Cart Viewed"))["event_id"]


def test_spec_event_names_map_to_the_twins_reserved_types() -> None:
    purchase = event_of(track(event="Order Completed", properties={"revenue": 25.5, "currency": "EUR",
                                                                   "order_id": "o-9"}))
    assert (purchase["type"], purchase["value"], purchase["currency"]) == ("purchase", 25.5, "EUR")
    assert purchase["attributes"] == {"order_id": "o-9"}  # revenue became the value: not kept twice
    assert event_of(track(event="Signed Up"))["type"] == "signup"
    assert event_of(track(event="Product Reviewed"))["type"] == "feedback"
    viewed = event_of(track(event="Product Viewed", properties={"product_id": "sku-1"}))
    assert (viewed["type"], viewed["product"]) == ("product_viewed", "sku-1")


def test_properties_with_twin_meaning_become_fields_and_the_rest_attributes() -> None:
    event = event_of(track(event="Checkout Step Viewed", properties={
        "friction": "slow-page;coupon-error", "experience": "negative", "csat": 2, "ces": 6, "nps": 3,
        "sentiment": -0.5, "text": "The coupon did not work", "trigger": "coupon", "outcome": "failure",
        "stage": "purchase", "step": 2}))
    assert validate_event(event)[0].friction == ("slow-page", "coupon-error")  # type: ignore[union-attr]
    assert {k: event[k] for k in ("experience", "csat", "ces", "nps", "sentiment", "trigger", "outcome", "stage")} == {
        "experience": "negative", "csat": 2, "ces": 6, "nps": 3, "sentiment": -0.5, "trigger": "coupon",
        "outcome": "failure", "stage": "purchase"}
    assert event["attributes"] == {"step": 2}


def test_a_switch_is_a_track_mapped_to_switch_with_a_competitor(tmp_path: Path) -> None:
    mapping_file = tmp_path / "segment.yaml"
    mapping_file.write_text("events:\n  Switched Provider: switch\n")
    mapping = load_segment_mapping(mapping_file)
    event = event_of(track(event="Switched Provider", properties={"competitor": "rival"}), mapping=mapping)
    assert (event["type"], event["competitor"]) == ("switch", "rival")
    without = records(track(event="Switched Provider"), mapping=mapping).event
    assert "needs a competitor" in " ".join(validate_event(without)[1])


def test_touchpoint_from_property_page_path_screen_name_or_event_name() -> None:
    assert event_of(track(properties={"touchpoint": "pdp"}))["touchpoint"] == "pdp"
    browser = track(context={"page": {"path": "/Checkout/payment?step=2"}})
    assert event_of(browser)["touchpoint"] == "checkout"
    page = {"type": "page", "messageId": "p-1", "anonymousId": "a-1", "timestamp": "2024-05-01T10:00:00Z",
            "name": "Home", "properties": {"path": "/offers/summer"}}
    page_event = event_of(page)
    assert (page_event["type"], page_event["touchpoint"]) == ("page_view", "offers")
    assert page_event["attributes"] == {"path": "/offers/summer", "name": "Home"}
    assert event_of({**page, "properties": {"path": "/"}})["touchpoint"] == "home"
    screen = {**page, "type": "screen", "name": "Order Status", "properties": {}}
    assert (event_of(screen)["type"], event_of(screen)["touchpoint"]) == ("screen_view", "order_status")
    assert event_of(track(event="Coupon Applied"))["touchpoint"] == "coupon_applied"


def test_channel_from_property_rudderstack_channel_or_library() -> None:
    assert event_of(track(properties={"channel": "store"}))["channel"] == "store"
    assert event_of(track(channel="mobile"))["channel"] == "mobile"
    assert event_of(track(context={"library": {"name": "analytics.js"}}))["channel"] == "web"
    assert event_of(track(context={"library": {"name": "analytics-ios"}}))["channel"] == "mobile"
    assert event_of(track(context={"library": {"name": "analytics-python"}}))["channel"] == "server"
    assert event_of(track(context={"library": {"name": "@segment/analytics-node"}}))["channel"] == "server"
    assert event_of(track())["channel"] == "server"


def test_rudderstack_session_ids_make_sessions() -> None:
    assert event_of(track(context={"sessionId": 1714557600000}))["session_id"] == "1714557600000"
    assert event_of(track(properties={"session_id": "s-1"}))["session_id"] == "s-1"


# -- identify, alias, group ---------------------------------------------------------------------------------------
def test_identify_traits_personal_data_only_in_pii_and_descriptors_as_attributes() -> None:
    message = {"type": "identify", "messageId": "i-1", "userId": "u-1", "anonymousId": "a-1",
               "timestamp": "2024-05-01T10:00:00Z",
               "traits": {"email": "Ada@Example.org", "name": "Ada L", "phone": "+44 20 7946 0000", "plan": "pro",
                          "address": {"city": "London", "postalCode": "N1"}, "age": 36, "vip": True,
                          "favourite colours": ["green"], "logins": 5}}
    mapped = records(message)
    assert mapped.event is None and mapped.membership is None  # identify creates no interaction
    customer = mapped.customer
    assert customer is not None
    record, errors = validate_customer(customer)
    assert errors == [] and record is not None
    assert dict(record.identities) == {"anonymous_id": "a-1", "email": "Ada@Example.org", "phone": "+44 20 7946 0000"}
    assert dict(record.attributes) == {"plan": "pro", "logins": 5}
    assert dict(record.pii) == {"email": "Ada@Example.org", "name": "Ada L", "phone": "+44 20 7946 0000",
                                "address_city": "London", "address_postalCode": "N1", "age": 36, "vip": "true",
                                "favourite_colours": '["green"]'}


def test_rudderstack_identify_traits_come_from_the_context() -> None:
    customer = records({"type": "identify", "userId": "u-1", "timestamp": "2024-05-01T10:00:00Z",
                        "context": {"traits": {"plan": "pro"}, "library": {"name": "analytics-python"}}}).customer
    assert customer is not None and customer["attributes"] == {"plan": "pro"}


def test_an_anonymous_identify_has_no_customer_id_but_its_anonymous_identity() -> None:
    customer = records({"type": "identify", "anonymousId": "a-1", "timestamp": "2024-05-01T10:00:00Z",
                        "traits": {"plan": "free"}}).customer
    assert customer == {"identities": {"anonymous_id": "a-1"}, "attributes": {"plan": "free"},
                        "ts": "2024-05-01T10:00:00.000Z"}


def test_alias_ties_the_previous_anonymous_id_to_the_user() -> None:
    mapped = records({"type": "alias", "previousId": "a-1", "userId": "u-1", "timestamp": "2024-05-01T10:00:00Z"})
    assert mapped.customer == {"customer_id": "u-1", "identities": {"anonymous_id": "a-1"}, "previous_id": "a-1",
                               "ts": "2024-05-01T10:00:00.000Z"}
    assert mapped.event is None
    assert "previousId" in reject_of({"type": "alias", "userId": "u-1", "timestamp": "2024-05-01T10:00:00Z"})


def test_group_gives_a_membership_since_the_call_with_the_traits() -> None:
    mapped = records({"type": "group", "userId": "u-1", "groupId": "acme", "timestamp": "2024-05-01T10:00:00Z",
                      "traits": {"name": "Acme", "employees": 120}})
    assert mapped.membership == {"customer_id": "u-1", "account_id": "acme", "since": "2024-05-01T10:00:00.000Z",
                                 "traits": {"name": "Acme", "employees": 120}}
    assert mapped.event is None and mapped.customer is None
    assert "groupId" in reject_of({"type": "group", "userId": "u-1", "timestamp": "2024-05-01T10:00:00Z"})


# -- consent ----------------------------------------------------------------------------------------------------
def test_consent_categories_map_to_purposes_and_a_refusal_wins_within_one_message() -> None:
    consent = {"consent": {"categoryPreferences": {"Analytics": True, "Advertising": False, "Marketing": True,
                                                   "Functional": True, "C0009": False}}}
    mapped = records(track(context=consent))
    assert mapped.event is not None and mapped.customer is not None
    record, errors = validate_customer(mapped.customer)
    assert errors == [] and record is not None
    assert [(c.purpose, c.granted, c.source) for c in record.consents] == [
        ("analytics", True, "segment"), ("marketing", False, "segment")]
    assert {c.ts for c in record.consents} == {ms("2024-05-01T10:00:00Z")}


def test_consent_categories_from_the_yaml_file(tmp_path: Path) -> None:
    mapping_file = tmp_path / "segment.yaml"
    mapping_file.write_text("consent:\n  C0002: analytics\n  C0004: marketing\n")
    customer = records(track(context={"consent": {"categoryPreferences": {"C0002": True, "C0004": False}}}),
                       mapping=load_segment_mapping(mapping_file)).customer
    assert customer is not None
    assert [(c["purpose"], c["granted"]) for c in customer["consents"]] == [("analytics", True), ("marketing", False)]


# -- what is refused ----------------------------------------------------------------------------------------------
def test_unreadable_messages_are_rejected_with_a_reason() -> None:
    assert "JSON object" in reject_of(["track"])
    assert "type 'purchase'" in reject_of(track(type="purchase"))
    assert "userId or an anonymousId" in reject_of(track(userId=None))
    assert "event name" in reject_of(track(event=None))
    assert "properties must be an object" in reject_of(track(properties=[1]))


def test_every_reason_a_message_is_refused_starts_with_a_reject_code() -> None:
    refused = [["track"], track(type="purchase"), track(userId=None), track(event=None), track(properties=[1]),
               track(timestamp=None), track(timestamp="yesterday"), track(properties={"csat": 9}),
               track(type="alias", previousId=None), track(type="group"), track(type="identify", traits=[1]),
               track(type="group", groupId="g1", traits="x")]
    reasons = [reason for message in refused for reason in message_records(message)[1]]
    assert len(reasons) >= len(refused)
    reasons += validate_membership(["acme"])[1] + validate_membership(
        {"account_id": " ", "since": "2024-05-01T10:00:00Z", "customer_id": "u-1", "traits": [1]})[1]
    reasons += validate_membership({"account_id": "acme", "since": "2024-05-01T10:00:00Z", "customer_id": "u-1",
                                    "traits": {"notes": "x" * 20_000}})[1]
    assert [r for r in reasons if reject_code(r) not in REJECT_CODES] == []


# -- the YAML override ------------------------------------------------------------------------------------------
def test_the_yaml_file_overrides_types_channels_traits_and_properties(tmp_path: Path) -> None:
    mapping_file = tmp_path / "segment.yaml"
    mapping_file.write_text(
        "events:\n  Ticket Opened: support\npage_type: visit\nchannels:\n  mobile: mobile_app\n"
        "libraries:\n  kiosk-sdk*: mobile\ntraits:\n  attributes: [tier]\nproperties:\n  value: [amount]\n")
    mapping = load_segment_mapping(mapping_file)
    assert event_of(track(event="Ticket Opened"), mapping=mapping)["type"] == "support"
    assert event_of(track(context={"library": {"name": "kiosk-sdk"}}), mapping=mapping)["channel"] == "mobile_app"
    assert event_of(track(properties={"amount": 3}), mapping=mapping)["value"] == 3
    page = {"type": "page", "userId": "u", "timestamp": "2024-05-01T10:00:00Z"}
    assert event_of(page, mapping=mapping)["type"] == "visit"
    customer = records({"type": "identify", "userId": "u", "timestamp": "2024-05-01T10:00:00Z",
                        "traits": {"tier": "gold", "plan": "pro"}}, mapping=mapping).customer
    assert customer == {"customer_id": "u", "attributes": {"tier": "gold"}, "pii": {"plan": "pro"},
                        "ts": "2024-05-01T10:00:00.000Z"}


def test_a_yaml_file_with_unknown_keys_or_wrong_shapes_is_refused_with_the_fix(tmp_path: Path) -> None:
    mapping_file = tmp_path / "segment.yaml"
    mapping_file.write_text("event_types:\n  A: b\n")
    with pytest.raises(InputError, match="unknown keys event_types"):
        load_segment_mapping(mapping_file)
    mapping_file.write_text("events: [a, b]\n")
    with pytest.raises(InputError, match="`events` .* must be a mapping"):
        load_segment_mapping(mapping_file)
    with pytest.raises(InputError, match="Cannot read"):
        load_segment_mapping(tmp_path / "missing.yaml")
