"""How Segment messages map to the twin: the defaults (the Segment spec's names, the kinds of libraries, consent
categories, personal traits) and the YAML file that overrides them (`dtc ingest --format segment --mapping FILE`,
DTC_SEGMENT_MAPPING for `/v1/*`; docs/segment.md lists every key). Pure apart from reading that file.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from graph.errors import InputError
from ingest.catalog import read_yaml_file

SPEC_EVENT_TYPES: Mapping[str, str] = {
    "Order Completed": "purchase",
    "Order Refunded": "refund",
    "Signed Up": "signup",
    "Account Created": "signup",
    "Account Deleted": "churn",
    "Product Reviewed": "feedback",
}
# context.library.name patterns (case-insensitive) -> the kind of channel; the first match wins, else server
LIBRARY_CHANNELS: tuple[tuple[str, str], ...] = (
    ("analytics.js*", "web"), ("analytics-next*", "web"), ("@segment/analytics-next*", "web"),
    ("*javascript*", "web"), ("rudder-sdk-js*", "web"), ("rudder-analytics*", "web"),
    ("analytics-ios*", "mobile"), ("analytics-android*", "mobile"), ("analytics-kotlin*", "mobile"),
    ("analytics-swift*", "mobile"), ("analytics-react-native*", "mobile"), ("analytics-flutter*", "mobile"),
    ("*android*", "mobile"), ("*ios*", "mobile"), ("*react-native*", "mobile"), ("*flutter*", "mobile"),
)
CHANNEL_KINDS = ("web", "mobile", "server")
# consent categories (compared case-insensitively) -> the twin's purposes (graph.privacy.PURPOSES)
CONSENT_PURPOSES: Mapping[str, str] = {
    "analytics": "analytics", "performance": "analytics", "advertising": "marketing", "marketing": "marketing",
    "targeting": "marketing", "personalization": "personalization", "personalisation": "personalization",
    "profiling": "profiling",
}
# identify traits that describe a customer without identifying them (the rest is personal data: pii_*)
ATTRIBUTE_TRAITS = ("plan", "logins", "createdAt", "created_at", "industry", "employees", "language", "locale",
                    "timezone", "relationship_stage")
IDENTITY_TRAITS: Mapping[str, str] = {"email": "email", "phone": "phone"}
# the properties read for a twin field, first present wins (the e-commerce spec's names after the twin's own)
PROPERTY_FIELDS: Mapping[str, tuple[str, ...]] = {
    "value": ("value", "revenue", "total"),
    "product": ("product", "product_id", "sku"),
    "session_id": ("session_id",),
}
_SLUG = re.compile(r"[^a-z0-9]+")
_KEYS = ("events", "page_type", "screen_type", "channels", "libraries", "default_channel", "consent", "traits",
         "properties")


@dataclass(frozen=True)
class SegmentMapping:
    """How Segment messages become twin records (defaults above; `load_segment_mapping` reads overrides)."""

    event_types: Mapping[str, str] = field(default_factory=lambda: dict(SPEC_EVENT_TYPES))
    page_type: str = "page_view"
    screen_type: str = "screen_view"
    channels: Mapping[str, str] = field(default_factory=lambda: {kind: kind for kind in CHANNEL_KINDS})
    libraries: tuple[tuple[str, str], ...] = LIBRARY_CHANNELS
    default_channel: str = "server"
    consent_purposes: Mapping[str, str] = field(default_factory=lambda: dict(CONSENT_PURPOSES))
    attribute_traits: frozenset[str] = frozenset(ATTRIBUTE_TRAITS)
    identity_traits: Mapping[str, str] = field(default_factory=lambda: dict(IDENTITY_TRAITS))
    property_fields: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(PROPERTY_FIELDS))

    @cached_property
    def property_names(self) -> frozenset[str]:
        """Every property read for a twin field (property_fields' names)."""
        return frozenset(name for names in self.property_fields.values() for name in names)

    def event_type(self, name: str) -> str:
        return self.event_types.get(name) or slug(name) or "event"

    def channel_of(self, message: Mapping[str, Any], properties: Mapping[str, Any]) -> Any:
        if properties.get("channel") not in (None, ""):
            return properties["channel"]
        kind = message.get("channel")
        if kind not in CHANNEL_KINDS:
            kind = self.library_channel(path_of(message, "context", "library", "name"))
        return self.channels.get(str(kind), str(kind))

    def library_channel(self, library: Any) -> str:
        if isinstance(library, str) and library:
            return _library_channel(self.libraries, self.default_channel, library.lower())
        return self.default_channel


@lru_cache(maxsize=1024)
def _library_channel(libraries: tuple[tuple[str, str], ...], default: str, name: str) -> str:
    """The kind of channel of a library name (a few names recur in every message: matched once each)."""
    for pattern, kind in libraries:
        if fnmatch.fnmatchcase(name, pattern.lower()):
            return kind
    return default


DEFAULT_MAPPING = SegmentMapping()


@lru_cache(maxsize=4096)
def slug(text: str) -> str:
    """A code from a name: `Order Completed` -> `order_completed` (cached: event and page names recur in every
    batch)."""
    return _SLUG.sub("_", text.lower()).strip("_")


def path_of(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not is_mapping(obj):
            return None
        obj = obj.get(key)
    return obj


def is_mapping(value: Any) -> bool:
    """isinstance(value, Mapping), without the slow ABC check for the dicts JSON gives (several per message)."""
    return type(value) is dict or isinstance(value, Mapping)


def show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- the YAML override ------------------------------------------------------------------------------------------
def load_segment_mapping(path: Path | None) -> SegmentMapping:
    """The default mapping with the overrides of a YAML file laid over it; InputError names what is wrong."""
    if path is None:
        return DEFAULT_MAPPING
    data = read_yaml_file(path, "Segment mapping")
    if data is None:
        return DEFAULT_MAPPING
    if not isinstance(data, Mapping):
        raise InputError(f"The Segment mapping {path} must be a YAML mapping with keys among {', '.join(_KEYS)}.")
    unknown = sorted(set(map(str, data)) - set(_KEYS))
    if unknown:
        raise InputError(f"The Segment mapping {path} has unknown keys {', '.join(unknown)}; the keys are "
                         f"{', '.join(_KEYS)} (see docs/segment.md).")
    base = DEFAULT_MAPPING
    traits = _section(data, "traits", path)
    properties = _section(data, "properties", path)
    return replace(
        base,
        event_types={**base.event_types, **_strings(data, "events", path)},
        page_type=_string(data, "page_type", base.page_type, path),
        screen_type=_string(data, "screen_type", base.screen_type, path),
        channels={**base.channels, **_strings(data, "channels", path)},
        libraries=tuple(_strings(data, "libraries", path).items()) + base.libraries,
        default_channel=_string(data, "default_channel", base.default_channel, path),
        consent_purposes={**base.consent_purposes,
                          **{k.lower(): v for k, v in _strings(data, "consent", path).items()}},
        attribute_traits=frozenset(_names(traits, "attributes", path, base.attribute_traits)),
        identity_traits={**base.identity_traits, **_strings(traits, "identities", path)},
        property_fields={**base.property_fields,
                         **{str(k): tuple(_names(properties, k, path, ())) for k in properties}},
    )


def _section(data: Mapping[str, Any], key: str, path: Path) -> Mapping[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"`{key}` in the Segment mapping {path} must be a mapping, not {show(value)}.")
    return value


def _strings(data: Mapping[str, Any], key: str, path: Path) -> dict[str, str]:
    section = _section(data, key, path)
    for name, value in section.items():
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"`{key}.{name}` in the Segment mapping {path} must be a code, not {show(value)}.")
    return {str(k): str(v).strip() for k, v in section.items()}


def _string(data: Mapping[str, Any], key: str, default: str, path: Path) -> str:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"`{key}` in the Segment mapping {path} must be a code, not {show(value)}.")
    return value.strip()


def _names(data: Mapping[str, Any], key: str, path: Path, default: Any) -> list[str]:
    value = data.get(key)
    if value is None:
        return list(default)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InputError(f"`{key}` in the Segment mapping {path} must be a list of names, not {show(value)}.")
    return list(value)
