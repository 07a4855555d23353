"""Batched reads of one customer's twin: each function answers a whole batch of keys in one store round trip.

These are the reads the API's per-request DataLoaders call, so a page of 50 journeys with their interactions,
touchpoints and frictions costs a constant handful of queries, never one per row. Every function returns a dict
keyed by the requested keys; a key with nothing in the graph is absent (or maps to an empty list).
Each read is a named query in `cypher/internal/`; values only ever travel as parameters.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cypher import now_ms
from graph.ontology import PII_PREFIX, Label
from graph.store import GraphStore, Row

# the query that reads nodes of a label by their key (catalog codes, interactions and journeys)
NODES_BY_KEY: dict[Label, str] = {
    Label.TOUCHPOINT: "touchpoints-by-key", Label.CHANNEL: "channels-by-key", Label.STAGE: "stages-by-key",
    Label.FRICTION_POINT: "friction-points-by-key", Label.TRIGGER_EVENT: "trigger-events-by-key",
    Label.ACTION: "actions-by-key", Label.COMPETITOR: "competitors-by-key", Label.STAKEHOLDER: "stakeholders-by-key",
    Label.PRODUCT: "products-by-key", Label.PERSONA: "personas-by-key", Label.INTERACTION: "interactions-by-key",
    Label.JOURNEY: "journeys-by-key",
}

def _unique(keys: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(keys))


# -- catalog and plain nodes --------------------------------------------------------------------------------------
def nodes_by_keys(store: GraphStore, label: Label, keys: Sequence[str]) -> dict[str, Row]:
    """Catalog nodes (touchpoints, channels, frictions, …) or interactions/journeys by their unique key."""
    if label not in NODES_BY_KEY:
        raise ValueError(f"nodes_by_keys does not read {label}; customers go through customers_by_ids.")
    rows = store.run(NODES_BY_KEY[label], {"keys": _unique(keys)})
    return {r["k"]: r["n"] for r in rows}


# -- customers ----------------------------------------------------------------------------------------------------
def customers_by_ids(store: GraphStore, ids: Sequence[str]) -> dict[str, Row]:
    """Customers without their personal data (`pii_*` stays out; see `pii_of_customers`), attributes parsed."""
    rows = store.run("customers-by-id", {"ids": _unique(ids)})
    found: dict[str, Row] = {}
    for row in rows:
        customer = {k: v for k, v in row["c"].items() if not k.startswith(PII_PREFIX)}
        customer["attributes"] = json_object(customer.get("attributes"))
        found[row["id"]] = customer
    return found


def pii_of_customers(store: GraphStore, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each customer's personal data as {field: value} (the `pii_` prefix removed); callers check the role first."""
    rows = store.run("customers-by-id", {"ids": _unique(ids)})
    return {r["id"]: {k.removeprefix(PII_PREFIX): v for k, v in r["c"].items() if k.startswith(PII_PREFIX)}
            for r in rows}


@dataclass(frozen=True)
class CustomerPage:
    """One page of customers ordered by id; `total` counts every customer matching the filter."""

    customers: list[Row]
    total: int
    has_previous: bool
    has_next: bool


def customers_page(store: GraphStore, *, persona: str | None, at: int | None, first: int | None = None,
                   after: str | None = None, last: int | None = None, before: str | None = None) -> CustomerPage:
    """Customers ordered by id (optionally only those showing `persona` at `at`), a keyset page of them."""
    if persona is None:
        rows = store.run("customers-page", {"after": after, "before": before})
    else:
        rows = store.run("customers-page-of-persona", {"persona": persona, "at": now_ms() if at is None else at,
                                                       "after": after, "before": before})
    if not rows:
        return CustomerPage([], 0, False, False)
    total, start, stop, window = rows[0]["total"], rows[0]["start"], rows[0]["stop"], rows[0]["window"] or []
    page_ids, has_previous, has_next = _slice(window, start, stop, total, first, last)
    found = customers_by_ids(store, page_ids)
    return CustomerPage([found[i] for i in page_ids if i in found], total, has_previous, has_next)


# -- personas -----------------------------------------------------------------------------------------------------
def personas_by_codes(store: GraphStore, codes: Sequence[str]) -> dict[str, Row]:
    """Persona nodes by code (name, description, goals, pains)."""
    return nodes_by_keys(store, Label.PERSONA, codes)


def persona_customer_counts(store: GraphStore, codes: Sequence[str], at: int | None = None) -> dict[str, int]:
    """How many customers show each persona at `at` (default now), by the persona rule; customers who refused
    `analytics` are not counted (as in cypher/persona-summaries, docs/privacy.md)."""
    rows = store.run("persona-customer-counts", {"codes": _unique(codes), "at": now_ms() if at is None else at})
    return {r["code"]: int(r["customers"]) for r in rows}


def all_persona_codes(store: GraphStore) -> list[str]:
    return [r["code"] for r in store.run("persona-codes")]


def insights_of_personas(store: GraphStore, codes: Sequence[str]) -> dict[str, list[Row]]:
    """Empathy-map entries per persona, in quadrant then id order."""
    rows = store.run("insights-of-personas", {"codes": _unique(codes)})
    return _group(rows, "code", "i")


def current_personas(store: GraphStore, customer_ids: Sequence[str], at: int | None = None) -> dict[str, list[Row]]:
    """The persona assignments valid at `at` (default now, by the persona rule) per customer, heaviest first."""
    rows = store.run("current-personas", {"ids": _unique(customer_ids), "at": now_ms() if at is None else at})
    return _group(rows, "id")


def persona_history(store: GraphStore, customer_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Every persona assignment per customer, in time order (open `since` first); a null weight, which does not
    count, reads 0."""
    rows = store.run("persona-history", {"ids": _unique(customer_ids)})
    return _group(rows, "id")


# -- journeys and interactions ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class JourneyPageRequest:
    """Which page of a customer's journeys: `first` after a cursor, or `last` before one; cursors are
    (start_ts, journey id) keys of the ordering (oldest first, or newest first)."""

    first: int | None = None
    after: tuple[int, str] | None = None
    last: int | None = None
    before: tuple[int, str] | None = None
    newest_first: bool = False


@dataclass(frozen=True)
class JourneyPage:
    journeys: list[Row]
    total: int
    has_previous: bool
    has_next: bool


def journey_pages(store: GraphStore, customer_ids: Sequence[str], page: JourneyPageRequest) -> dict[str, JourneyPage]:
    """The same page of journeys for each customer, in one query; `total` is all the customer's journeys."""
    after_ts, after_id = page.after or (None, None)
    before_ts, before_id = page.before or (None, None)
    rows = store.run("journey-pages", {"ids": _unique(customer_ids), "newest": page.newest_first, "ats": after_ts,
                                       "aid": after_id, "bts": before_ts, "bid": before_id})
    pages: dict[str, JourneyPage] = {}
    for row in rows:
        window = [j for j in (row["window"] or []) if j]
        journeys, has_previous, has_next = _slice(window, row["start"], row["stop"], row["total"], page.first,
                                                  page.last)
        pages[row["cid"]] = JourneyPage(journeys, row["total"], has_previous, has_next)
    return pages


def interactions_of_journeys(store: GraphStore, journey_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Each journey's interactions in journey order (INCLUDES.seq)."""
    rows = store.run("interactions-of-journeys", {"ids": _unique(journey_ids)})
    return _group(rows, "jid", "i")


# -- what the customer did and gave -------------------------------------------------------------------------------
def frictions_of_customers(store: GraphStore, customer_ids: Sequence[str]) -> dict[str, list[str]]:
    """The distinct friction codes each customer's interactions hit, in code order."""
    rows = store.run("frictions-of-customers", {"ids": _unique(customer_ids)})
    return {k: [r["code"] for r in v] for k, v in _group(rows, "id").items()}


def switches_of_customers(store: GraphStore, customer_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Each customer's switches to competitors as {competitor, ts, event_id}, in time order."""
    rows = store.run("switches-of-customers", {"ids": _unique(customer_ids)})
    return _group(rows, "id")


def consents_of_customers(store: GraphStore, customer_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Each customer's consent records (every purpose, history kept), newest first per purpose."""
    rows = store.run("consents-of-customers", {"ids": _unique(customer_ids)})
    return _group(rows, "id", "k")


# -- helpers ------------------------------------------------------------------------------------------------------
def _slice(window: list[Any], start: int, stop: int, total: int, first: int | None,
           last: int | None) -> tuple[list[Any], bool, bool]:
    """Relay slicing of the window between the cursors: (items, has_previous, has_next)."""
    items = window
    has_previous, has_next = start > 0, stop < total
    if first is not None and len(items) > first:
        items, has_next = items[:first], True
    if last is not None and len(items) > last:
        items, has_previous = items[len(items) - last:], True
    return items, has_previous, has_next


def _group(rows: list[Row], key: str, value: str | None = None) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row[key], []).append(row[value] if value else row)
    return grouped


def json_object(text: Any) -> dict[str, Any]:
    """A property that holds a JSON object as text (attributes, trait_ts), as a dict; {} when absent or not one."""
    if isinstance(text, dict):
        return text
    if not text:
        return {}
    try:
        parsed = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}
