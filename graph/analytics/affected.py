"""Who is behind a friction row: the customers of a persona exposed to a friction, and where they went.

Same definitions as `friction_to_competitors` (DESIGN.md "Exact meaning of the key questions"), in
cypher/internal/affected-customers.cypher: a customer is exposed when one of its interactions hit the friction at a
time it showed the persona; its first hit is the earliest such interaction; it switched when a switch followed in
(firstHit, firstHit + windowDays]. Customers who refused `analytics` are left out, as the row leaves them out
(docs/privacy.md). Switchers come first, then the most recent first hits.
"""

from __future__ import annotations

from typing import Any, TypedDict

from cypher import DAY_MS
from graph.store import GraphStore


class AffectedCustomerRow(TypedDict):
    customer: str  # customer id
    firstHit: int  # epoch ms of the first hit while the customer showed the persona
    competitor: str | None  # competitor code of the earliest switch in the window, else None
    switchedAt: int | None  # epoch ms of that switch


def affected_customers(store: GraphStore, persona: str, friction: str, window_days: int = 90, since: int | None = None,
                       until: int | None = None, limit: int = 50) -> list[AffectedCustomerRow]:
    """The customers behind one frictionToCompetitors row (`since`/`until` epoch ms; None leaves a bound open)."""
    rows = store.run("affected-customers", {
        "persona": persona, "friction": friction, "windowMs": int(window_days) * DAY_MS,
        "since": since, "until": until, "limit": int(limit),
    })
    return [_affected(row) for row in rows]


def _affected(row: dict[str, Any]) -> AffectedCustomerRow:
    switched_at = row["switchedAt"]
    return AffectedCustomerRow(
        customer=str(row["customer"]),
        firstHit=int(row["firstHit"]),
        competitor=None if row["competitor"] is None else str(row["competitor"]),
        switchedAt=None if switched_at is None else int(switched_at),
    )
