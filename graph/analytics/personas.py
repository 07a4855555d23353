"""Personas with how many customers show them now: `persona_summaries` runs cypher/persona-summaries."""

from __future__ import annotations

from typing import Any, TypedDict

from graph.store import GraphStore


class PersonaSummary(TypedDict):
    code: str
    name: str | None
    description: str | None
    customers: int  # customers with a SHOWS assignment of weight > 0 valid at `at`


def persona_summaries(store: GraphStore, at: Any = None) -> list[PersonaSummary]:
    """Every persona, by code; `at` (epoch ms, aware datetime or RFC 3339) defaults to now."""
    return [PersonaSummary(code=str(r["code"]), name=r["name"], description=r["description"],
                           customers=int(r["customers"]))
            for r in store.run("persona-summaries", {"at": at})]
