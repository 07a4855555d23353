"""Validation of events and customer records against ../shared/contracts (event and customer schemas).

Each validator returns the normalised record, or None and a list of precise reasons a person can act on
("csat 9 is outside 1..5"). Timestamps become epoch milliseconds; unknown top-level event keys go to `attributes`.
The checks are written out by hand rather than through a JSON-Schema engine: ingest runs them on every row, and
hand-written checks are several times faster and give better messages.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from cypher.moments import is_rfc3339, rfc3339, rfc3339_ms
from graph.ontology import EXPERIENCES, RELATIONSHIP_STAGES, STAGES
from ingest.characters import check_characters
from ingest.identity import normalise
from ingest.reasons import reject_reason

OUTCOMES = ("success", "failure", "abandoned")
NUMBER_FIELDS = {"csat": (1, 5), "ces": (1, 7), "nps": (0, 10), "sentiment": (-1, 1), "value": (None, None)}
MAX_ID = 200
MAX_TEXT = 10_000
MAX_FRICTIONS = 100  # per event: each code is a FrictionPoint, a HIT and a position list of the customer's Timeline
MAX_DESCRIPTOR_BYTES = 32_000  # attributes and a group's traits as JSON: descriptors, not documents
_CURRENCY = re.compile(r"[A-Z]{3}")
_PII_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
INT64 = (-(2**63), 2**63 - 1)  # the integers the engines store as they are (FalkorDB clamps larger ones silently)

@dataclass(slots=True)
class Event:
    """One valid interaction event, normalised (ts in epoch ms, codes stripped, absent values None). Treat it as
    read-only; it is not frozen because frozen dataclasses are several times slower to build, on every row."""

    event_id: str
    ts: int
    channel: str
    touchpoint: str
    type: str
    customer_id: str | None = None
    identities: Mapping[str, str] = field(default_factory=dict)
    session_id: str | None = None
    stage: str | None = None
    outcome: str | None = None
    experience: str | None = None
    csat: float | None = None
    ces: float | None = None
    nps: int | None = None
    sentiment: float | None = None
    text: str | None = None
    friction: tuple[str, ...] = ()
    trigger: str | None = None
    competitor: str | None = None
    product: str | None = None
    value: float | None = None
    currency: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PersonaClaim:
    persona: str
    weight: float
    since: int | None
    until: int | None
    source: str | None


@dataclass(frozen=True, slots=True)
class ConsentClaim:
    purpose: str
    granted: bool
    ts: int | None
    source: str | None


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """One valid customer record of a customer file, or of a Segment message (ingest.segment): then `customer_id` may
    be None (an anonymous visitor, named by its identities), `ts` is when the message said it (each trait keeps the
    latest value) and `previous_id` an id the customer was known by (an alias: merged into this customer)."""

    customer_id: str | None
    identities: Mapping[str, str] = field(default_factory=dict)
    pii: Mapping[str, str | int | float | None] = field(default_factory=dict)
    attributes: Mapping[str, Any] = field(default_factory=dict)
    relationship_stage: str | None = None
    personas: tuple[PersonaClaim, ...] = ()
    consents: tuple[ConsentClaim, ...] = ()
    ts: int | None = None
    previous_id: str | None = None


def parse_ts(value: Any, name: str = "ts") -> tuple[int | None, str | None]:
    """(epoch ms, None) for an RFC 3339 date-time with an offset, else (None, reason)."""
    if isinstance(value, str):
        try:  # the shape is matched once for a good value (every event pays this, a Segment message twice)
            return rfc3339_ms(value), None
        except ValueError:
            if is_rfc3339(value):
                return None, reject_reason("invalid_ts", f"{name} {_show(value)} is not a real date and time")
    return None, reject_reason("invalid_ts", f"{name} {_show(value)} is not an RFC 3339 date-time with an offset, "
                               "e.g. 2024-05-01T10:00:00Z")


FUTURE_TOLERANCE_MS = 5 * 60_000  # clocks drift: an event is future-dated only beyond this much ahead of ours
FUTURE_TS = "future_ts"  # the reason code of a future-dated event rejected by `dtc ingest --reject-future`


def future_dated(event: Event, now_ms: int) -> str | None:
    """Why `event` is future-dated (more than 5 minutes after `now_ms`), or None when it is not. Such an event would
    become the customer's latest interaction until the clock catches up."""
    if event.ts <= now_ms + FUTURE_TOLERANCE_MS:
        return None
    at, now = rfc3339(event.ts, "seconds"), rfc3339(now_ms, "seconds")
    return reject_reason(FUTURE_TS, f"ts {at} is more than 5 minutes ahead of the clock ({now})")


def validate_event(obj: Any) -> tuple[Event | None, list[str]]:
    """The normalised event, or None with every reason the object breaks the event contract."""
    if type(obj) is not dict and not isinstance(obj, Mapping):  # the ABC check is slow: most rows are dicts
        return None, [reject_reason("not_an_object", f"an event must be a JSON object, not {type(obj).__name__}")]
    errors: list[str] = []
    check_characters(obj, errors)
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, raw in obj.items():  # only the fields present are checked: most events carry few of them
        check = _FIELD_CHECKS.get(name)
        if check is None:
            extra[name] = raw
        elif raw is not None:
            value = check(name, raw, errors)
            if value is not None:
                values[name] = value
    for name in REQUIRED_EVENT_FIELDS:
        if obj.get(name) is None:
            errors.append(reject_reason("missing_field", f"{name} is missing"))
    identities = values.get("identities")
    if obj.get("customer_id") is None and obj.get("identities") is None:  # null is absent, as for required fields
        errors.append(reject_reason("missing_field", "customer_id or identities is required"))
    elif "customer_id" not in values and identities and not any(normalise(k, v) for k, v in identities.items()):
        errors.append(reject_reason("no_identifier", f"identities {_show(dict(identities))} hold no usable "
                                    "identifier (blocked or malformed values such as test@example.com are ignored); "
                                    "add a customer_id or a real identifier"))
    if values.get("type") == "switch" and obj.get("competitor") is None:
        errors.append(reject_reason("missing_field", "a 'switch' event needs a competitor (the code of the competitor "
                                    "the customer left for)"))
    attributes = values.pop("attributes", None)
    if extra or attributes:
        values["attributes"] = {**extra, **(attributes or {})}
        check_descriptors("attributes", values["attributes"], errors, " (unknown top-level keys included)")
    if errors:
        return None, errors
    return Event(**values), []


def check_descriptors(name: str, value: Mapping[str, Any], errors: list[str], note: str = "") -> None:
    """Refuse (`too_long`) descriptors (attributes, traits) over MAX_DESCRIPTOR_BYTES as JSON: every interaction or
    customer stores them as text, and each read of it carries them."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    size = len(text.encode(errors="surrogatepass"))  # a lone surrogate is refused by name elsewhere
    if size > MAX_DESCRIPTOR_BYTES:
        errors.append(reject_reason("too_long", f"{name} are {size:,} bytes as JSON{note}; the limit is "
                                                f"{MAX_DESCRIPTOR_BYTES:,}"))


def _check_code(name: str, value: Any, errors: list[str]) -> str | None:
    if type(value) is str and 0 < len(value) <= MAX_ID and not value[0].isspace() and not value[-1].isspace():
        return value  # the common case, without a copy
    return _code({name: value}, name, errors, max_len=MAX_ID)


def _check_ts(name: str, value: Any, errors: list[str]) -> int | None:
    ts, reason = parse_ts(value)
    if reason:
        errors.append(reason)
    return ts


def _check_number(name: str, value: Any, errors: list[str]) -> float | int | None:
    low, high = NUMBER_FIELDS[name]
    number = _number({name: value}, name, low, high, errors)
    if name == "nps" and number is not None:
        if number != int(number):
            errors.append(reject_reason("invalid_value", f"nps {_show(value)} must be a whole number 0..10"))
            return None
        return int(number)
    return number


def _check_choice(allowed: tuple[str, ...]) -> Callable[[str, Any, list[str]], str | None]:
    def check(name: str, value: Any, errors: list[str]) -> str | None:
        return _choice({name: value}, name, allowed, errors)
    return check


def _check_text(name: str, value: Any, errors: list[str]) -> str | None:
    return _text({name: value}, name, errors, MAX_TEXT)


def _check_friction(name: str, value: Any, errors: list[str]) -> tuple[str, ...] | None:
    return _friction(value, errors) or None


def _check_identities(name: str, value: Any, errors: list[str]) -> dict[str, str] | None:
    return _identities(value, errors) or None


def _check_currency(name: str, value: Any, errors: list[str]) -> str | None:
    if isinstance(value, str) and _CURRENCY.fullmatch(value):
        return value
    errors.append(reject_reason("invalid_value", f"currency {_show(value)} is not a three-letter upper-case code "
                                "such as EUR"))
    return None


def _check_attributes(name: str, value: Any, errors: list[str]) -> Mapping[str, Any] | None:
    if isinstance(value, Mapping):
        return value
    errors.append(reject_reason("invalid_type", f"attributes must be an object, not {_show(value)}"))
    return None


REQUIRED_EVENT_FIELDS = ("event_id", "ts", "channel", "touchpoint", "type")
_FIELD_CHECKS: dict[str, Callable[[str, Any, list[str]], Any]] = {
    "event_id": _check_code, "customer_id": _check_code, "session_id": _check_code, "channel": _check_code,
    "touchpoint": _check_code, "type": _check_code, "trigger": _check_code, "competitor": _check_code,
    "product": _check_code, "ts": _check_ts, "stage": _check_choice(STAGES), "outcome": _check_choice(OUTCOMES),
    "experience": _check_choice(EXPERIENCES), "csat": _check_number, "ces": _check_number, "nps": _check_number,
    "sentiment": _check_number, "value": _check_number, "text": _check_text, "friction": _check_friction,
    "identities": _check_identities, "currency": _check_currency, "attributes": _check_attributes,
}


def validate_customer(obj: Any, *, anonymous: bool = False) -> tuple[CustomerRecord | None, list[str]]:
    """The normalised customer record, or None with every reason it breaks the customer contract. With `anonymous`
    (Segment messages), usable identities may stand in for the customer_id."""
    if not isinstance(obj, Mapping):
        return None, [reject_reason("not_an_object", f"a customer must be a JSON object, not {type(obj).__name__}")]
    errors: list[str] = []
    check_characters(obj, errors)
    identities = _identities(obj.get("identities"), errors, allow_empty=True)
    named = anonymous and any(normalise(k, v) for k, v in identities.items())
    customer_id = _code(obj, "customer_id", errors, required=not named, max_len=MAX_ID)
    previous_id = _code(obj, "previous_id", errors, max_len=MAX_ID)
    ts, reason = parse_ts(obj["ts"]) if obj.get("ts") is not None else (None, None)
    if reason:
        errors.append(reason)
    pii: dict[str, str | int | float | None] = {}
    raw_pii = obj.get("pii")
    if raw_pii is not None:
        if not isinstance(raw_pii, Mapping):
            errors.append(reject_reason("invalid_type", f"pii must be an object, not {_show(raw_pii)}"))
        else:
            for name, value in raw_pii.items():
                if not _PII_FIELD.fullmatch(str(name)):
                    errors.append(reject_reason("invalid_value", f"pii field {_show(name)} must be letters, digits "
                                                "and _ (e.g. name, email)"))
                elif value is not None and (isinstance(value, bool) or not isinstance(value, str | int | float)):
                    errors.append(reject_reason("invalid_type", f"pii.{name} must be a string, number or null"))
                elif isinstance(value, int | float):
                    number = _number({f"pii.{name}": value}, f"pii.{name}", None, None, errors)
                    if number is not None:
                        pii[str(name)] = number
                else:
                    pii[str(name)] = value
    attributes = obj.get("attributes")
    if attributes is not None and not isinstance(attributes, Mapping):
        errors.append(reject_reason("invalid_type", f"attributes must be an object, not {_show(attributes)}"))
    elif attributes:
        check_descriptors("attributes", attributes, errors)
    stage = _choice(obj, "relationship_stage", RELATIONSHIP_STAGES, errors)
    personas = _personas(obj.get("personas"), errors)
    consents = _consents(obj.get("consents"), errors)
    if errors:
        return None, errors
    return CustomerRecord(customer_id, identities, pii, dict(attributes or {}), stage, personas, consents, ts,
                          previous_id), []


def from_csv_row(row: Mapping[str, str | None]) -> dict[str, Any]:
    """An event object from a CSV row with the contract's column names: empty cells are absent, numbers parsed,
    `friction` split on ';', `identities.<kind>` and `attributes.<name>` columns nested."""
    obj: dict[str, Any] = {}
    for column, raw in row.items():
        if column is None or raw is None:
            continue
        value = raw.strip()
        if value == "":
            continue
        if column.startswith("identities."):
            obj.setdefault("identities", {})[column.removeprefix("identities.")] = value
        elif column.startswith("attributes."):
            obj.setdefault("attributes", {})[column.removeprefix("attributes.")] = value
        elif column == "friction":
            obj["friction"] = [f.strip() for f in value.split(";") if f.strip()]
        elif column in NUMBER_FIELDS:
            obj[column] = _csv_number(value)
        else:
            obj[column] = value
    return obj


def event_to_json(event: Event) -> dict[str, Any]:
    """The event back in contract form (ts as RFC 3339 UTC), e.g. to append it to the stream."""
    out: dict[str, Any] = {"event_id": event.event_id}
    for f in fields(Event):
        name, value = f.name, getattr(event, f.name)
        if name == "event_id" or value is None or value == () or value == {}:
            continue
        if name == "ts":
            value = rfc3339(value)
        elif name == "friction":
            value = list(value)
        elif name in ("identities", "attributes"):
            value = dict(value)
        out[name] = value
    return out


# -- field checks ---------------------------------------------------------------------------------------------
def _show(value: Any) -> str:
    """`value` as a reason quotes it: short, and escaped so that any report can write it (repr escapes NUL and lone
    surrogates in text; JSON escapes them inside other values)."""
    try:
        text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    except ValueError:  # an integer past Python's 4,300 digits, or a structure that holds itself
        text = f"a {type(value).__name__} too large to show"
    return text if len(text) <= 60 else text[:57] + "..."


def _code(obj: Mapping[str, Any], name: str, errors: list[str], *, required: bool = False,
          max_len: int = MAX_ID) -> str | None:
    value = obj.get(name)
    if value is None:
        if required:
            errors.append(reject_reason("missing_field", f"{name} is missing"))
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors.append(reject_reason("invalid_type", f"{name} must be a string, not {_show(value)}"))
        return None
    text = str(value).strip()
    if not text:
        errors.append(reject_reason("invalid_value", f"{name} is empty"))
        return None
    if len(text) > max_len:
        errors.append(reject_reason("too_long", f"{name} is {len(text)} characters long; the limit is {max_len}"))
        return None
    return text


def _text(obj: Mapping[str, Any], name: str, errors: list[str], max_len: int) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        errors.append(reject_reason("invalid_type", f"{name} must be a string, not {_show(value)}"))
        return None
    if len(value) > max_len:
        errors.append(reject_reason("too_long", f"{name} is {len(value)} characters long; the limit is {max_len}"))
        return None
    return value if value.strip() else None


def _choice(obj: Mapping[str, Any], name: str, allowed: tuple[str, ...], errors: list[str]) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if value not in allowed:
        errors.append(reject_reason("invalid_value", f"{name} {_show(value)} is not one of {', '.join(allowed)}"))
        return None
    return str(value)


def _number(obj: Mapping[str, Any], name: str, low: float | None, high: float | None,
            errors: list[str]) -> float | None:
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and not INT64[0] <= value <= INT64[1]:
        digits = math.floor(math.log10(abs(value))) + 1  # str() of a huge integer is slow, or refused
        errors.append(reject_reason("number_too_large", f"{name} (an integer of about {digits} digits) is outside "
                                    "the 64-bit integers the store holds; send it as a decimal number (e.g. 1.5e30)"))
        return None
    if isinstance(value, float) and math.isinf(value):
        errors.append(reject_reason("number_too_large", f"{name} {_show(value)} is too large for a double"))
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        errors.append(reject_reason("invalid_type", f"{name} {_show(value)} is not a number"))
        return None
    if low is not None and high is not None and not low <= value <= high:
        errors.append(reject_reason("out_of_range", f"{name} {_show(value)} is outside {low}..{high}"))
        return None
    return value


def _csv_number(value: str) -> Any:
    try:
        number = float(value)
    except ValueError:
        return value  # left as text: validation names it
    return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number


def _identities(value: Any, errors: list[str], *, allow_empty: bool = False) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or (not value and not allow_empty):
        errors.append(reject_reason("invalid_type", "identities must be an object with at least one identifier, e.g. "
                                            "{\"email\": \"…\"}"))
        return {}
    found: dict[str, str] = {}
    for kind, raw in value.items():
        if not isinstance(raw, str | int) or isinstance(raw, bool) or not str(raw).strip():
            errors.append(reject_reason("invalid_value", f"identities.{kind} must be a non-empty string"))
            continue
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", str(kind)):
            errors.append(reject_reason("invalid_value", f"identity kind {_show(kind)} must be a lower-case word "
                                        "such as email or device_id"))
            continue
        found[str(kind)] = str(raw)
    return found


def _friction(value: Any, errors: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [v for v in value.split(";")]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        errors.append(reject_reason("invalid_type", f"friction must be a list of friction codes, not {_show(value)}"))
        return ()
    codes = tuple(v.strip() for v in value)
    if len(codes) > MAX_FRICTIONS:
        errors.append(reject_reason("too_long", f"friction lists {len(codes)} codes; the limit is {MAX_FRICTIONS} per "
                                                "event"))
        return ()
    if len(set(codes)) != len(codes):
        errors.append(reject_reason("invalid_value", f"friction lists a code twice: {_show(value)}"))
        return ()
    return codes


def _personas(value: Any, errors: list[str]) -> tuple[PersonaClaim, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        errors.append(reject_reason("invalid_type", "personas must be a list of {persona, weight, since, until, "
                                    "source}"))
        return ()
    claims: list[PersonaClaim] = []
    for n, item in enumerate(value, start=1):
        if not isinstance(item, Mapping) or not isinstance(item.get("persona"), str) or not item["persona"].strip():
            errors.append(reject_reason("missing_field", f"personas[{n}] needs a persona code"))
            continue
        weight = item.get("weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 1:
            errors.append(reject_reason("out_of_range", f"personas[{n}].weight {_show(weight)} is outside 0..1"))
            continue
        bounds: dict[str, int | None] = {"since": None, "until": None}
        for bound in bounds:
            if item.get(bound) is not None:
                bounds[bound], reason = parse_ts(item[bound], f"personas[{n}].{bound}")
                if reason:
                    errors.append(reason)
        source = item.get("source")
        claims.append(PersonaClaim(item["persona"].strip(), float(weight), bounds["since"], bounds["until"],
                                   str(source) if source is not None else None))
    return tuple(claims)


def _consents(value: Any, errors: list[str]) -> tuple[ConsentClaim, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        errors.append(reject_reason("invalid_type", "consents must be a list of {purpose, granted, ts, source}"))
        return ()
    claims: list[ConsentClaim] = []
    for n, item in enumerate(value, start=1):
        if not isinstance(item, Mapping) or not isinstance(item.get("purpose"), str) or not item["purpose"].strip():
            errors.append(reject_reason("missing_field", f"consents[{n}] needs a purpose"))
            continue
        if not isinstance(item.get("granted"), bool):
            errors.append(reject_reason("invalid_type", f"consents[{n}].granted must be true or false"))
            continue
        ts: int | None = None
        if item.get("ts") is not None:
            ts, reason = parse_ts(item["ts"], f"consents[{n}].ts")
            if reason:
                errors.append(reason)
                continue
        source = item.get("source")
        claims.append(ConsentClaim(item["purpose"].strip(), item["granted"], ts,
                                   str(source) if source is not None else None))
    return tuple(claims)
