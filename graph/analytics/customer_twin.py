"""One customer's twin without personal data: `customer_twin` runs cypher/customer-twin."""

from __future__ import annotations

from typing import Any

from graph.store import GraphStore


def customer_twin(store: GraphStore, customer_id: str, at: Any = None) -> dict[str, Any] | None:
    """The twin as customer-twin.cypher returns it (personas now and their history, journeys with interactions,
    frictions, switches, consents), or None when the customer does not exist."""
    rows = store.run("customer-twin", {"id": customer_id, "at": at})
    if not rows:
        return None
    return rows[0]
