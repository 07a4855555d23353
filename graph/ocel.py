"""The twin as an OCEL 2.0 object-centric event log (JSON), for process-mining tools such as pm4py and Celonis.

    with path.open("w") as out:
        report = export_ocel(store, out, actor="cli:ana")

Objects: customers, journeys, touchpoints, channels, personas and competitors (`customer:<id>`, `journey:<id>`, …).
A customer's persona assignments are time-stamped values of its attribute `persona:<code>` (the weight from `since`,
"0" from `until`; an open start is 1970-01-01, as the standard fixes for initial values), with a `shows`
relationship to each persona. Events: every interaction, typed by its touchpoint code, with its customer, journey,
touchpoint, channel and (for switches) competitor. Left out: customers who refused `analytics` (with their journeys
and events), customers merged into another, every `pii_*` property and the free-text verbatims (text may name
people). Attribute values are strings, as the standard's JSON schema requires, typed in `eventTypes` and
`objectTypes`. The document is written as it is read, a page of customers at a time, so memory stays flat at any
size; the export is audited (`export-ocel`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from graph.privacy import audit
from graph.store import GraphStore

PAGE = 1000  # customers per read
EPOCH_TIME = "1970-01-01T00:00:00Z"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# (attribute, OCEL type, interaction property)
EVENT_ATTRIBUTES: tuple[tuple[str, str, str], ...] = (
    ("interactionType", "string", "type"), ("stage", "string", "stage"), ("outcome", "string", "outcome"),
    ("experience", "string", "experience"), ("csat", "float", "csat"), ("ces", "float", "ces"),
    ("nps", "integer", "nps"), ("sentiment", "float", "sentiment"), ("value", "float", "value"),
    ("currency", "string", "currency"), ("trigger", "string", "trigger"), ("product", "string", "product"),
    ("frictions", "string", "frictions"),
)
OBJECT_TYPES: dict[str, tuple[tuple[str, str], ...]] = {
    "customer": (("relationshipStage", "string"),),  # and persona:<code> (float), declared per persona below
    "journey": (("startedAt", "time"), ("endedAt", "time"), ("size", "integer"), ("session", "string")),
    "touchpoint": (("name", "string"), ("stage", "string")),
    "channel": (("name", "string"), ("kind", "string")),
    "persona": (("name", "string"),),
    "competitor": (("name", "string"),),
}

@dataclass(frozen=True)
class OcelReport:
    """What an export wrote."""

    events: int
    objects: int
    customers: int


def export_ocel(store: GraphStore, out: TextIO, *, actor: str, page: int = PAGE) -> OcelReport:
    """Write the twin as OCEL 2.0 JSON to `out`, page by page, and audit the export."""
    catalog = {kind: store.run(f"ocel-{kind}s") for kind in ("touchpoint", "channel", "persona", "competitor")}
    personas = [str(p["code"]) for p in catalog["persona"]]
    out.write('{"objectTypes": ')
    json.dump([{"name": name, "attributes": [{"name": a, "type": t} for a, t in attributes]
                + ([{"name": f"persona:{p}", "type": "float"} for p in personas] if name == "customer" else [])}
               for name, attributes in OBJECT_TYPES.items()], out)
    out.write(',\n"eventTypes": ')
    json.dump([{"name": str(t["code"]), "attributes": [{"name": a, "type": kind} for a, kind, _ in EVENT_ATTRIBUTES]}
               for t in catalog["touchpoint"]], out)
    out.write(',\n"events": [')
    events = 0
    for customers in _customer_pages(store, page):
        rows = store.run("ocel-events", {"ids": [c["id"] for c in customers]})
        for row in rows:
            out.write(",\n" if events else "\n")
            json.dump(_event(row), out, ensure_ascii=False)
            events += 1
    out.write('],\n"objects": [')
    objects = customer_count = 0
    for kind in ("persona", "channel", "touchpoint", "competitor"):
        for row in catalog[kind]:
            out.write(",\n" if objects else "\n")
            json.dump(_catalog_object(kind, row), out, ensure_ascii=False)
            objects += 1
    for customers in _customer_pages(store, page):
        journeys = store.run("ocel-journeys", {"ids": [c["id"] for c in customers]})
        for item in [*(_customer(c) for c in customers), *(_journey(j) for j in journeys)]:
            out.write(",\n" if objects else "\n")
            json.dump(item, out, ensure_ascii=False)
            objects += 1
        customer_count += len(customers)
    out.write("]}\n")
    audit(store, actor, "export-ocel", "twin",
          f"OCEL 2.0 export: {events} events, {objects} objects ({customer_count} customers; analytics refusals "
          "and merged customers left out)")
    return OcelReport(events=events, objects=objects, customers=customer_count)


def _customer_pages(store: GraphStore, page: int) -> Iterator[list[dict[str, Any]]]:
    after = ""
    while True:
        customers = store.run("ocel-customers", {"after": after, "page": page})
        if not customers:
            return
        yield customers
        after = str(customers[-1]["id"])


def time_text(ms: int | None) -> str:
    """Epoch ms as RFC 3339 UTC with milliseconds (1970-01-01 for an unknown time, the standard's initial value)."""
    if ms is None:
        return EPOCH_TIME
    moment = _EPOCH + timedelta(milliseconds=int(ms))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _event(row: Mapping[str, Any]) -> dict[str, Any]:
    relationships = [{"objectId": f"customer:{row['customer']}", "qualifier": "customer"},
                     {"objectId": f"touchpoint:{row['touchpoint']}", "qualifier": "touchpoint"},
                     {"objectId": f"channel:{row['channel']}", "qualifier": "channel"}]
    if row["journey"] is not None:
        relationships.append({"objectId": f"journey:{row['journey']}", "qualifier": "journey"})
    if row["competitor"] is not None:
        relationships.append({"objectId": f"competitor:{row['competitor']}", "qualifier": "switched to"})
    return {"id": str(row["id"]), "type": str(row["touchpoint"]), "time": time_text(row["ts"]),
            "attributes": [{"name": name, "value": _value(row[prop])} for name, _, prop in EVENT_ATTRIBUTES
                           if row[prop] is not None and row[prop] != []],
            "relationships": relationships}


def _customer(row: Mapping[str, Any]) -> dict[str, Any]:
    attributes = [{"name": "relationshipStage", "value": str(row["stage"]), "time": EPOCH_TIME}] \
        if row["stage"] is not None else []
    shows: list[str] = []
    for persona, weight, since, until in sorted(row["personas"], key=lambda a: (a[0], a[2] or 0)):
        attributes.append({"name": f"persona:{persona}", "value": _value(1.0 if weight is None else weight),
                           "time": time_text(since)})
        if until is not None:
            attributes.append({"name": f"persona:{persona}", "value": "0", "time": time_text(until)})
        if persona not in shows:
            shows.append(persona)
    return {"id": f"customer:{row['id']}", "type": "customer", "attributes": attributes,
            "relationships": [{"objectId": f"persona:{p}", "qualifier": "shows"} for p in shows]}


def _journey(row: Mapping[str, Any]) -> dict[str, Any]:
    values = {"startedAt": time_text(row["start"]), "endedAt": time_text(row["end"]), "size": row["size"],
              "session": row["session"]}
    return {"id": f"journey:{row['id']}", "type": "journey",
            "attributes": [{"name": k, "value": _value(v), "time": EPOCH_TIME} for k, v in values.items()
                           if v is not None],
            "relationships": [{"objectId": f"customer:{row['customer']}", "qualifier": "taken by"}]}


def _catalog_object(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    names: Sequence[str] = [a for a, _ in OBJECT_TYPES[kind]]
    relationships = [{"objectId": f"channel:{row['channel']}", "qualifier": "on"}] \
        if kind == "touchpoint" and row.get("channel") else []
    return {"id": f"{kind}:{row['code']}", "type": kind,
            "attributes": [{"name": a, "value": _value(row[a]), "time": EPOCH_TIME} for a in names
                           if row.get(a) is not None],
            "relationships": relationships}
