"""Batched reads of one customer's twin: each function answers a whole batch of keys in one store round trip.

These are the reads the API's per-request DataLoaders call, so a page of 50 journeys with their interactions,
touchpoints and frictions costs a constant handful of queries, never one per row. Every function returns a dict
keyed by the requested keys; a key with nothing in the graph is absent (or maps to an empty list).
Labels and relationship types come from `graph.ontology`; values only ever travel as parameters.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from graph.ontology import PII_PREFIX, Label, key_of
from graph.store import GraphStore, Row

_CATALOG_LABELS = frozenset({
    Label.PERSONA, Label.CHANNEL, Label.TOUCHPOINT, Label.STAGE, Label.FRICTION_POINT, Label.TRIGGER_EVENT,
    Label.ACTION, Label.COMPETITOR, Label.STAKEHOLDER, Label.PRODUCT, Label.INTERACTION, Label.JOURNEY,
})

# A SHOWS assignment holds at epoch-ms $at when its weight is positive and $at lies in [since, until).
_VALID_AT = ("coalesce(s.weight, 1.0) > 0 AND (s.since IS NULL OR s.since <= $at) "
             "AND (s.until IS NULL OR $at < s.until)")


def now_ms() -> int:
    return int(time.time() * 1000)


def _unique(keys: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(keys))


# -- catalog and plain nodes --------------------------------------------------------------------------------------
def nodes_by_keys(store: GraphStore, label: Label, keys: Sequence[str]) -> dict[str, Row]:
    """Catalog nodes (touchpoints, channels, frictions, …) or interactions/journeys by their unique key."""
    if label not in _CATALOG_LABELS:
        raise ValueError(f"nodes_by_keys does not read {label}; customers go through customers_by_ids.")
    key = key_of(label)
    rows = store.read(f"UNWIND $keys AS k MATCH (n:{label.value} {{{key}: k}}) RETURN k, n",
                      {"keys": _unique(keys)}, name=f"twin-{label.value.lower()}-by-key")
    return {r["k"]: r["n"] for r in rows}


# -- customers ----------------------------------------------------------------------------------------------------
def customers_by_ids(store: GraphStore, ids: Sequence[str]) -> dict[str, Row]:
    """Customers without their personal data (`pii_*` stays out; see `pii_of_customers`), attributes parsed."""
    rows = store.read(f"UNWIND $ids AS id MATCH (c:{Label.CUSTOMER.value} {{id: id}}) RETURN id, c",
                      {"ids": _unique(ids)}, name="twin-customers-by-id")
    found: dict[str, Row] = {}
    for row in rows:
        customer = {k: v for k, v in row["c"].items() if not k.startswith(PII_PREFIX)}
        customer["attributes"] = _json_object(customer.get("attributes"))
        found[row["id"]] = customer
    return found


def pii_of_customers(store: GraphStore, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Each customer's personal data as {field: value} (the `pii_` prefix removed); callers check the role first."""
    rows = store.read(f"UNWIND $ids AS id MATCH (c:{Label.CUSTOMER.value} {{id: id}}) RETURN id, c",
                      {"ids": _unique(ids)}, name="twin-pii-by-customer")
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
    at = now_ms() if at is None else at
    if persona is None:
        match = f"MATCH (c:{Label.CUSTOMER.value}) WHERE c.merged_into IS NULL"
    else:
        match = (f"MATCH (c:{Label.CUSTOMER.value})-[s:SHOWS]->(:{Label.PERSONA.value} {{code: $persona}}) "
                 f"WHERE c.merged_into IS NULL AND {_VALID_AT}")
    rows = store.read(
        match + " WITH DISTINCT c.id AS id ORDER BY id WITH collect(id) AS ids "
        "WITH ids, size([x IN ids WHERE $after IS NOT NULL AND x <= $after]) AS start, "
        "size(ids) - size([x IN ids WHERE $before IS NOT NULL AND x >= $before]) AS stop "
        "RETURN size(ids) AS total, start, stop, ids[start..stop] AS window",
        {"persona": persona, "at": at, "after": after, "before": before}, name="twin-customers-page")
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
    """How many customers show each persona at `at` (default now): a SHOWS of weight > 0 valid then; customers who
    refused `analytics` are not counted (as in cypher/persona-summaries, docs/privacy.md)."""
    rows = store.read(
        f"UNWIND $codes AS code MATCH (p:{Label.PERSONA.value} {{code: code}}) "
        f"OPTIONAL MATCH (c:{Label.CUSTOMER.value})-[s:SHOWS]->(p) WHERE c.merged_into IS NULL AND {_VALID_AT} "
        "AND NOT 'analytics' IN coalesce(c.refused, []) "
        "RETURN code, count(DISTINCT c) AS customers",
        {"codes": _unique(codes), "at": now_ms() if at is None else at}, name="twin-persona-customers")
    return {r["code"]: int(r["customers"]) for r in rows}


def all_persona_codes(store: GraphStore) -> list[str]:
    rows = store.read(f"MATCH (p:{Label.PERSONA.value}) RETURN p.code AS code ORDER BY code", name="twin-personas")
    return [r["code"] for r in rows]


def insights_of_personas(store: GraphStore, codes: Sequence[str]) -> dict[str, list[Row]]:
    """Empathy-map entries per persona, in quadrant then id order."""
    rows = store.read(
        f"UNWIND $codes AS code MATCH (:{Label.PERSONA.value} {{code: code}})"
        f"-[:HAS_INSIGHT]->(i:{Label.INSIGHT.value}) "
        "RETURN code, i ORDER BY code, i.quadrant, i.id",
        {"codes": _unique(codes)}, name="twin-insights")
    return _group(rows, "code", "i")


def current_personas(store: GraphStore, customer_ids: Sequence[str], at: int | None = None) -> dict[str, list[Row]]:
    """The persona assignments valid at `at` (default now) per customer, heaviest first."""
    rows = store.read(
        f"UNWIND $ids AS id MATCH (:{Label.CUSTOMER.value} {{id: id}})-[s:SHOWS]->(p:{Label.PERSONA.value}) "
        f"WHERE {_VALID_AT} "
        "RETURN id, p.code AS persona, coalesce(s.weight, 1.0) AS weight, s.since AS since, s.until AS until, "
        "s.source AS source ORDER BY id, weight DESC, persona",
        {"ids": _unique(customer_ids), "at": now_ms() if at is None else at}, name="twin-current-personas")
    return _group(rows, "id")


def persona_history(store: GraphStore, customer_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Every persona assignment per customer, in time order (open `since` first)."""
    rows = store.read(
        f"UNWIND $ids AS id MATCH (:{Label.CUSTOMER.value} {{id: id}})-[s:SHOWS]->(p:{Label.PERSONA.value}) "
        "RETURN id, p.code AS persona, coalesce(s.weight, 1.0) AS weight, s.since AS since, s.until AS until, "
        "s.source AS source ORDER BY id, coalesce(s.since, -1), persona",
        {"ids": _unique(customer_ids)}, name="twin-persona-history")
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
    # `beyond(x, c)`: x comes after the cursor c in the requested order
    asc_after = "(x.start_ts > $ats OR (x.start_ts = $ats AND x.id > $aid))"
    desc_after = "(x.start_ts < $ats OR (x.start_ts = $ats AND x.id < $aid))"
    asc_before = "(x.start_ts < $bts OR (x.start_ts = $bts AND x.id < $bid))"
    desc_before = "(x.start_ts > $bts OR (x.start_ts = $bts AND x.id > $bid))"
    rows = store.read(
        f"UNWIND $ids AS cid OPTIONAL MATCH (:{Label.CUSTOMER.value} {{id: cid}})-[:TOOK]->(j:{Label.JOURNEY.value}) "
        "WITH cid, j ORDER BY j.start_ts, j.id "
        "WITH cid, collect(j) AS asc "
        "WITH cid, CASE WHEN $newest THEN reverse(asc) ELSE asc END AS js "
        "WITH cid, js, "
        f"size([x IN js WHERE $aid IS NOT NULL AND NOT (CASE WHEN $newest THEN {desc_after} ELSE {asc_after} END)]) "
        "AS start, "
        f"size(js) - size([x IN js WHERE $bid IS NOT NULL AND NOT (CASE WHEN $newest THEN {desc_before} "
        f"ELSE {asc_before} END)]) AS stop "
        "RETURN cid, size(js) AS total, start, stop, js[start..stop] AS window",
        {"ids": _unique(customer_ids), "newest": page.newest_first, "ats": after_ts, "aid": after_id,
         "bts": before_ts, "bid": before_id},
        name="twin-journey-pages")
    pages: dict[str, JourneyPage] = {}
    for row in rows:
        window = [j for j in (row["window"] or []) if j]
        journeys, has_previous, has_next = _slice(window, row["start"], row["stop"], row["total"], page.first,
                                                  page.last)
        pages[row["cid"]] = JourneyPage(journeys, row["total"], has_previous, has_next)
    return pages


def interactions_of_journeys(store: GraphStore, journey_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Each journey's interactions in journey order (INCLUDES.seq)."""
    rows = store.read(
        f"UNWIND $ids AS jid MATCH (:{Label.JOURNEY.value} {{id: jid}})-[r:INCLUDES]->(i:{Label.INTERACTION.value}) "
        "RETURN jid, i ORDER BY jid, r.seq, i.ts, i.id",
        {"ids": _unique(journey_ids)}, name="twin-interactions-of-journeys")
    return _group(rows, "jid", "i")


# -- what the customer did and gave -------------------------------------------------------------------------------
def frictions_of_customers(store: GraphStore, customer_ids: Sequence[str]) -> dict[str, list[str]]:
    """The distinct friction codes each customer's interactions hit, in code order."""
    rows = store.read(
        f"UNWIND $ids AS id MATCH (:{Label.CUSTOMER.value} {{id: id}})-[:PERFORMED]->(:{Label.INTERACTION.value})"
        f"-[:HIT]->(f:{Label.FRICTION_POINT.value}) WITH DISTINCT id, f.code AS code "
        "RETURN id, code ORDER BY id, code",
        {"ids": _unique(customer_ids)}, name="twin-frictions-of-customers")
    return {k: [r["code"] for r in v] for k, v in _group(rows, "id").items()}


def switches_of_customers(store: GraphStore, customer_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Each customer's switches to competitors as {competitor, ts, event_id}, in time order."""
    rows = store.read(
        f"UNWIND $ids AS id MATCH (:{Label.CUSTOMER.value} {{id: id}})-[s:SWITCHED_TO]->(k:{Label.COMPETITOR.value}) "
        "RETURN id, k.code AS competitor, s.ts AS ts, s.event_id AS event_id ORDER BY id, ts, event_id",
        {"ids": _unique(customer_ids)}, name="twin-switches")
    return _group(rows, "id")


def consents_of_customers(store: GraphStore, customer_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Each customer's consent records (every purpose, history kept), newest first per purpose."""
    rows = store.read(
        f"UNWIND $ids AS id MATCH (:{Label.CUSTOMER.value} {{id: id}})-[:GAVE]->(k:{Label.CONSENT.value}) "
        "RETURN id, k ORDER BY id, k.purpose, coalesce(k.ts, 0) DESC",
        {"ids": _unique(customer_ids)}, name="twin-consents")
    return _group(rows, "id", "k")


def declared_relationship_stages(store: GraphStore, customer_ids: Sequence[str]) -> dict[str, str]:
    """The relationship stage declared on each customer record (start/forward/backward/stop), where there is one."""
    rows = store.read(
        f"UNWIND $ids AS id MATCH (c:{Label.CUSTOMER.value} {{id: id}}) RETURN id, c.relationship_stage AS stage",
        {"ids": _unique(customer_ids)}, name="twin-relationship-stage")
    return {r["id"]: r["stage"] for r in rows if r["stage"]}


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


def _json_object(text: Any) -> dict[str, Any]:
    if isinstance(text, dict):
        return text
    if not text:
        return {}
    try:
        parsed = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}
