"""Relationship stages (CX CORE): `relationship_stages` runs cypher/relationship-stage, whose header has the rule."""

from __future__ import annotations

from collections.abc import Sequence

from graph.store import GraphStore


def relationship_stages(store: GraphStore, customer_ids: Sequence[str] | None) -> dict[str, str]:
    """{customer id: start | forward | backward | stop} for the given customers (None = every customer).

    Unknown ids are simply absent from the result.
    """
    ids = None if customer_ids is None else list(customer_ids)
    params: dict[str, object] = {"ids": ids} if ids is None else {"ids": ids, "limit": len(ids)}
    return {str(row["customer"]): str(row["stage"]) for row in store.run("relationship-stage", params)}
