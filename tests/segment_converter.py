"""Test-only: the twin's native events rewritten as the Segment messages an instrumented site would have sent.

It imports nothing from the project on purpose: it is a second, independent reading of the event contract and the
Segment Spec, so a test that ingests both forms and compares the graphs checks the mapping, not a copy of it.

    python tests/segment_converter.py events.jsonl customers.jsonl > segment.jsonl

- event_id is the messageId, customer_id the userId; an event that carries only identities (email, crm_id) is sent
  with the userId of the customer those identities belong to in the customer file (a signed-in visitor).
- `purchase` is the spec's `Order Completed` (value as `revenue`), `signup` is `Signed Up`, `feedback` is
  `Product Reviewed`; other types are sent as their title-cased names ("Add To Cart" for add_to_cart).
- `view` events on the web are `page` calls at `/<touchpoint>/…`, and `interaction` events on the mobile app are
  `screen` calls named after the touchpoint (the mapping then needs `page_type: view` and `screen_type: interaction`:
  PAGE_MAPPING_YAML).
- touchpoint and channel travel as properties, session_id too; product as `product_id`; the other fields of the
  event contract and its attributes as properties under their own names.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

SPEC_NAMES = {"purchase": "Order Completed", "signup": "Signed Up", "feedback": "Product Reviewed"}
PAGE_MAPPING_YAML = "page_type: view\nscreen_type: interaction\n"
_ENVELOPE = ("event_id", "customer_id", "identities", "ts", "type", "attributes")


def owners(customers: Path | None) -> dict[tuple[str, str], str]:
    """(identity kind, value) -> customer id, from a customer file."""
    found: dict[tuple[str, str], str] = {}
    if customers is None:
        return found
    for line in _lines(customers):
        record = json.loads(line)
        for kind, value in (record.get("identities") or {}).items():
            found[(kind, str(value))] = record["customer_id"]
    return found


def to_segment(event: Mapping[str, Any], owner_of: Mapping[tuple[str, str], str]) -> dict[str, Any]:
    """One native event as a Segment message (track, page or screen)."""
    user_id = event.get("customer_id")
    if user_id is None:
        known = [owner_of[(k, str(v))] for k, v in (event.get("identities") or {}).items() if (k, str(v)) in owner_of]
        if not known:
            raise ValueError(f"event {event['event_id']}: none of its identities is in the customer file")
        user_id = known[0]
    properties: dict[str, Any] = dict(event.get("attributes") or {})
    for name, value in event.items():
        if name not in _ENVELOPE:
            properties[name] = value
    if "product" in properties:
        properties["product_id"] = properties.pop("product")
    message: dict[str, Any] = {"messageId": event["event_id"], "userId": user_id, "timestamp": event["ts"],
                               "context": {"library": {"name": "twin-converter", "version": "1"}}}
    kind = event["type"]
    if kind == "view" and event.get("channel") == "web":
        touchpoint = properties.pop("touchpoint")
        properties["path"] = f"/{touchpoint}/{event['event_id']}"
        return {**message, "type": "page", "properties": properties}
    if kind == "interaction" and event.get("channel") == "mobile_app":
        return {**message, "type": "screen", "name": properties.pop("touchpoint"), "properties": properties}
    if kind == "purchase" and "value" in properties:
        properties["revenue"] = properties.pop("value")
    name = SPEC_NAMES.get(kind) or kind.replace("_", " ").title()
    return {**message, "type": "track", "event": name, "properties": properties}


def convert(events: Path, customers: Path | None) -> Iterator[dict[str, Any]]:
    owner_of = owners(customers)
    for line in _lines(events):
        yield to_segment(json.loads(line), owner_of)


def write(messages: Iterator[dict[str, Any]], out: Path) -> int:
    """Write messages as JSON lines (gzip when the name ends in .gz); how many."""
    opened: IO[str] = gzip.open(out, "wt", encoding="utf-8") if out.suffix == ".gz" else open(out, "w",  # noqa: SIM115
                                                                                             encoding="utf-8")
    count = 0
    with opened as f:
        for message in messages:
            f.write(json.dumps(message, ensure_ascii=False) + "\n")
            count += 1
    return count


def _lines(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:  # type: ignore[operator]
        for line in f:
            if line.strip():
                yield line


if __name__ == "__main__":
    for item in convert(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else None):
        print(json.dumps(item, ensure_ascii=False))
