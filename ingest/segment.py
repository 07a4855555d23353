"""Segment Spec messages (as Segment's and RudderStack's SDKs send them) mapped to the twin's own records. Pure: no I/O.

One message gives up to three records, each in a form the twin already validates and writes:

    track, page, screen  -> an event (the event contract), with a customer record when `context.consent` is there
    identify             -> a customer record (the customer contract; `customer_id` may be absent: anonymous)
    alias                -> a customer record tying `previousId` (an anonymous id) to `userId`
    group                -> a membership {customer_id, identities, account_id, since, traits} (+ consents)

The rules (defaults of ingest.segment_mapping.SegmentMapping, overridden by a YAML file):
- `messageId` is the event id, as is (a message without one gets a hash of its content, so a resend is the same).
- `userId` is the customer id; `anonymousId` is an identity of kind `anonymous_id` (hashed like every identity).
- Time over HTTP: arrival - (sentAt - timestamp) when both are there (sentAt of the message, else of the batch),
  else timestamp, else arrival. In files: timestamp, else receivedAt - (sentAt - originalTimestamp), else
  originalTimestamp, else receivedAt; with none of them the message is rejected (`no_timestamp`).
- Event type: the e-commerce and B2B SaaS spec names (`Order Completed` -> purchase, …), else the slug of the name;
  `page` and `screen` are `page_view` and `screen_view`.
- Touchpoint: properties.touchpoint, else the first segment of the page path, else the screen (or page) name, else
  the slug of the event name. Channel: properties.channel, else the message's `channel` (RudderStack), else the kind
  of library that sent it (`context.library.name`: web, mobile or server), through `channels`.
- Properties with a twin meaning (friction, experience, csat, ces, nps, sentiment, text, competitor, product, value,
  currency, trigger, outcome, stage) become the event's fields; the rest stay as attributes.
- Identify traits (`traits`, else RudderStack's `context.traits`): email and phone are also identities; traits named
  in `traits.attributes` are descriptors; every other trait is personal data and goes to `pii_*` only.
- Consent (`context.consent.categoryPreferences`): categories mapped to the twin's purposes; unknown ones ignored.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cypher.moments import WrittenMoment, written_moment
from ingest.accounts import validate_membership
from ingest.contracts import parse_ts, validate_customer, validate_event
from ingest.reasons import reject_reason
from ingest.segment_mapping import DEFAULT_MAPPING, SegmentMapping, is_mapping, path_of, show, slug

MESSAGE_TYPES = ("track", "page", "screen", "identify", "group", "alias")
NO_TIMESTAMP = "no_timestamp"  # the reject code of a file message without any time
SEGMENT_SOURCE = "segment"  # the `source` of the consents a message carries
# properties that carry the twin's meaning: they become the event's own fields
EVENT_FIELDS = ("friction", "experience", "csat", "ces", "nps", "sentiment", "text", "competitor", "product", "value",
                "currency", "trigger", "outcome", "stage")
_EVENT_FIELD_SET = frozenset(EVENT_FIELDS)
_PII_NAME = re.compile(r"[^A-Za-z0-9_]+")


@dataclass(frozen=True, slots=True)
class SegmentRecords:
    """What one message means to the twin: each record in the form its validator reads (None when absent)."""

    message_id: str
    type: str
    event: dict[str, Any] | None = None  # the event contract (ingest.contracts.validate_event)
    customer: dict[str, Any] | None = None  # the customer contract, customer_id optional (identities instead)
    membership: dict[str, Any] | None = None  # {customer_id?, identities?, account_id, since, traits}


@dataclass(frozen=True, slots=True)
class SegmentReject:
    """A message the twin cannot read, with the reason (starting with its reject code, ingest.reasons)."""

    message_id: str | None
    reason: str


def map_message(message: Any, *, arrival_ms: int | None = None, sent_at: Any = None,
                mapping: SegmentMapping = DEFAULT_MAPPING) -> SegmentRecords | SegmentReject:
    """The twin's records of one Segment message. `arrival_ms` (when it came over HTTP) selects the HTTP time rule,
    with `sent_at` the batch envelope's sentAt; without it the file rule applies."""
    if not is_mapping(message):
        return SegmentReject(None, reject_reason("not_an_object", f"a Segment message must be a JSON object, not "
                                                           f"{type(message).__name__}"))
    message_id = _message_id(message)
    kind = message.get("type")
    if kind not in MESSAGE_TYPES:
        return SegmentReject(message_id, reject_reason("invalid_value", f"type {show(kind)} is not one of "
                                                                   f"{', '.join(MESSAGE_TYPES)}"))
    ts, reason = (http_time(message, arrival_ms, sent_at) if arrival_ms is not None else file_time(message))
    if ts is None:
        return SegmentReject(message_id, reason or NO_TIMESTAMP)
    try:  # written once, for every record of the message
        when = written_moment(ts)
    except OverflowError:  # each time was a date, but the clock skew taken out moved the message off the calendar
        return SegmentReject(message_id, reject_reason("invalid_ts", "the message's time corrected for the sender's "
                                                       "clock (its sentAt against when it was received) falls outside "
                                                       "the years 1 to 9999; check the clock that stamped it"))
    user_id, anonymous_id = _id(message.get("userId")), _id(message.get("anonymousId"))
    if kind == "alias":
        previous = _id(message.get("previousId"))
        if user_id is None or previous is None:
            return SegmentReject(message_id, reject_reason("missing_field", "an alias needs a userId and a previousId"))
        return SegmentRecords(message_id, kind, customer={"customer_id": user_id, "ts": when,
                                                          "identities": {"anonymous_id": previous},
                                                          "previous_id": previous})
    if user_id is None and anonymous_id is None:
        return SegmentReject(message_id, reject_reason("missing_field", "a message needs a userId or an anonymousId"))
    who: dict[str, Any] = {"customer_id": user_id} if user_id is not None else {}
    if anonymous_id is not None:
        who["identities"] = {"anonymous_id": anonymous_id}
    consents = _consents(message, when, mapping)
    if kind == "identify":
        traits = message.get("traits")
        if traits is None:  # RudderStack's SDKs send identify traits in the context only
            traits = path_of(message, "context", "traits")
        if traits is not None and not is_mapping(traits):
            return _not_an_object(message_id, "traits", traits)
        return SegmentRecords(message_id, kind, customer={**_profile(who, traits or {}, consents, mapping),
                                                          "ts": when})
    customer = {**who, "ts": when, "consents": consents} if consents else None
    if kind == "group":
        account = _id(message.get("groupId"))
        if account is None:
            return SegmentReject(message_id, reject_reason("missing_field", "a group call needs a groupId"))
        traits = message.get("traits")
        if traits is not None and not is_mapping(traits):
            return _not_an_object(message_id, "traits", traits)
        return SegmentRecords(message_id, kind, customer=customer, membership={
            **who, "account_id": account, "since": when, "traits": dict(traits or {})})
    properties = message.get("properties")
    if properties is not None and not is_mapping(properties):
        return _not_an_object(message_id, "properties", properties)
    event = _event(message_id, kind, message, dict(properties or {}), when, mapping)
    if isinstance(event, SegmentReject):
        return event
    return SegmentRecords(message_id, kind, event={**event, **who}, customer=customer)


def _not_an_object(message_id: str, name: str, value: Any) -> SegmentReject:
    return SegmentReject(message_id, reject_reason("invalid_type", f"{name} must be an object, not {show(value)}"))


# -- time -------------------------------------------------------------------------------------------------------
def http_time(message: Mapping[str, Any], arrival_ms: int, sent_at: Any = None) -> tuple[int | None, str | None]:
    """When a message sent over HTTP happened: the client's clock corrected by its skew against ours."""
    timestamp, reason = _time(message, "timestamp")
    if reason:
        return None, reason
    sent_value = message.get("sentAt") if message.get("sentAt") is not None else sent_at
    sent, reason = _sent(sent_value) if isinstance(sent_value, str) else _time({"sentAt": sent_value}, "sentAt")
    if reason:
        return None, reason
    if timestamp is not None and sent is not None:
        return arrival_ms - (sent - timestamp), None
    return (timestamp if timestamp is not None else arrival_ms), None


def file_time(message: Mapping[str, Any]) -> tuple[int | None, str | None]:
    """When a message of an export happened; (None, reason) when it carries no time at all."""
    times: dict[str, int | None] = {}
    for name in ("timestamp", "receivedAt", "sentAt", "originalTimestamp"):
        times[name], reason = _time(message, name)
        if reason:
            return None, reason
    if times["timestamp"] is not None:
        return times["timestamp"], None
    received, sent, original = times["receivedAt"], times["sentAt"], times["originalTimestamp"]
    if received is not None and sent is not None and original is not None:
        return received - (sent - original), None
    if original is not None:
        return original, None
    if received is not None:
        return received, None
    return None, reject_reason(NO_TIMESTAMP, "the message has none of timestamp, originalTimestamp and receivedAt")


@lru_cache(maxsize=256)
def _sent(value: str) -> tuple[int | None, str | None]:
    """A sentAt, read once per batch (every message of a batch shares the envelope's)."""
    return _time({"sentAt": value}, "sentAt")


def _time(message: Mapping[str, Any], name: str) -> tuple[int | None, str | None]:
    value = message.get(name)
    if value is None or value == "":
        return None, None
    return parse_ts(value, name)


# -- the records ------------------------------------------------------------------------------------------------
def _event(message_id: str, kind: str, message: Mapping[str, Any], properties: dict[str, Any],
           when: WrittenMoment, mapping: SegmentMapping) -> dict[str, Any] | SegmentReject:
    name = message.get("event") if kind == "track" else message.get("name")
    if kind == "track" and (not isinstance(name, str) or not name.strip()):
        return SegmentReject(message_id, reject_reason("missing_field", "a track call needs an event name"))
    if kind == "track":
        event_type = mapping.event_type(str(name))
    else:
        event_type = mapping.page_type if kind == "page" else mapping.screen_type
    event: dict[str, Any] = {"event_id": message_id, "ts": when, "type": event_type,
                             "channel": mapping.channel_of(message, properties),
                             "touchpoint": _touchpoint(kind, name, message, properties, event_type)}
    properties.pop("touchpoint", None)
    properties.pop("channel", None)
    # most messages hold none or few of the names looked for: each loop runs only when one is there
    if not mapping.property_names.isdisjoint(properties):
        for twin_field, names in mapping.property_fields.items():
            for prop in names:
                if properties.get(prop) not in (None, ""):
                    event[twin_field] = properties.pop(prop)
                    break
    if not _EVENT_FIELD_SET.isdisjoint(properties):
        for twin_field in EVENT_FIELDS:
            if twin_field not in event and properties.get(twin_field) is not None:
                event[twin_field] = properties.pop(twin_field)
    if "session_id" not in event and path_of(message, "context", "sessionId") is not None:
        event["session_id"] = str(path_of(message, "context", "sessionId"))  # RudderStack's session
    if kind != "track" and isinstance(name, str) and name and "name" not in properties \
            and slug(name) != event["touchpoint"]:
        properties["name"] = name  # a page's name, unless it named the touchpoint
    if properties:
        event["attributes"] = properties
    return event


def _touchpoint(kind: str, name: Any, message: Mapping[str, Any], properties: Mapping[str, Any],
                event_type: str) -> Any:
    if properties.get("touchpoint") not in (None, ""):
        return properties["touchpoint"]
    path = properties.get("path") if kind == "page" else None
    if not isinstance(path, str) or not path:
        path = path_of(message, "context", "page", "path")
    if kind != "screen" and isinstance(path, str) and path:
        segment = next((s for s in path.split("?")[0].split("#")[0].split("/") if s), None)
        return slug(segment) if segment and slug(segment) else "home"
    if isinstance(name, str) and slug(name):
        return slug(name)
    return event_type


def _profile(who: Mapping[str, Any], traits: Mapping[str, Any], consents: list[dict[str, Any]],
             mapping: SegmentMapping) -> dict[str, Any]:
    """A customer record from identify traits: descriptors as attributes, identities hashed later, the rest pii."""
    identities = dict(who.get("identities") or {})
    attributes: dict[str, Any] = {}
    pii: dict[str, Any] = {}
    for name, value in traits.items():
        if value is None:
            continue
        kind = mapping.identity_traits.get(name)
        if kind is not None and isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            identities.setdefault(kind, str(value))
        if name in mapping.attribute_traits:
            attributes[name] = value
        else:
            _flatten_pii(pii, _pii_name(name), value)
    record: dict[str, Any] = {**({"customer_id": who["customer_id"]} if "customer_id" in who else {})}
    if identities:
        record["identities"] = identities
    if pii:
        record["pii"] = pii
    if attributes:
        record["attributes"] = attributes
    if consents:
        record["consents"] = consents
    return record


def _flatten_pii(pii: dict[str, Any], name: str, value: Any) -> None:
    """Personal data as flat pii fields: nested objects joined with '_', lists and booleans as text."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if inner is not None:
                _flatten_pii(pii, f"{name}_{_pii_name(str(key))}", inner)
    elif isinstance(value, bool):
        pii[name] = "true" if value else "false"
    elif isinstance(value, str | int | float):
        pii[name] = value
    else:
        pii[name] = json.dumps(value, ensure_ascii=False, default=str)


def _pii_name(name: str) -> str:
    cleaned = _PII_NAME.sub("_", str(name)).strip("_") or "trait"
    return ("t_" + cleaned if not cleaned[0].isalpha() else cleaned)[:64]


def _consents(message: Mapping[str, Any], when: WrittenMoment, mapping: SegmentMapping) -> list[dict[str, Any]]:
    preferences = path_of(message, "context", "consent", "categoryPreferences")
    if not is_mapping(preferences):
        return []
    decisions: dict[str, bool] = {}
    for category, granted in preferences.items():
        purpose = mapping.consent_purposes.get(str(category).lower()) or mapping.consent_purposes.get(str(category))
        if purpose is not None and isinstance(granted, bool):
            decisions[purpose] = decisions.get(purpose, True) and granted  # two categories, one purpose: a no wins
    return [{"purpose": p, "granted": g, "ts": when, "source": SEGMENT_SOURCE}
            for p, g in sorted(decisions.items())]


# -- small pieces -----------------------------------------------------------------------------------------------
def _id(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        value = str(int(value)) if float(value).is_integer() else str(value)
    if not isinstance(value, str) or not value.strip():
        return None
    return value


def _message_id(message: Mapping[str, Any]) -> str:
    given = _id(message.get("messageId"))
    if given is not None:
        return given
    canonical = json.dumps(message, sort_keys=True, ensure_ascii=False, default=str)
    return "segment-" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:32]


# -- one validation for every way in ------------------------------------------------------------------------------
Record = tuple[str, Any, dict[str, Any]]  # (kind: event | customer | membership, the valid record, its JSON)


def validate_records(mapped: SegmentRecords) -> tuple[list[Record], list[str]]:
    """The valid records of one mapped message, in the order they apply (the event, then the customer record, then
    the membership), with their JSON to queue; or the reasons the message cannot be applied (then none of it is)."""
    records: list[Record] = []
    errors: list[str] = []
    if mapped.event is not None:
        event, found = validate_event(mapped.event)
        errors += found
        if event is not None:
            records.append(("event", event, mapped.event))  # queued as mapped: the worker reads it the same
    if mapped.customer is not None:
        customer, found = validate_customer(mapped.customer, anonymous=True)
        errors += found
        if customer is not None:
            records.append(("customer", customer, {**mapped.customer}))
    if mapped.membership is not None:
        membership, found = validate_membership(mapped.membership)
        errors += found
        if membership is not None:
            records.append(("membership", membership, {**mapped.membership}))
    return (records, []) if not errors else ([], errors)


def message_records(message: Any, mapping: SegmentMapping = DEFAULT_MAPPING) -> tuple[list[tuple[str, Any]], list[str]]:
    """The valid records of one message of an export (the file time rule), or the reasons it cannot be read."""
    mapped = map_message(message, mapping=mapping)
    if isinstance(mapped, SegmentReject):
        return [], [mapped.reason]
    records, errors = validate_records(mapped)
    return [(kind, record) for kind, record, _ in records], errors
