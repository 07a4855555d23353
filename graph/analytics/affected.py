"""Who is behind a friction row: the customers of a persona exposed to a friction, and where they went.

Same definitions as `friction_to_competitors` (DESIGN.md "Exact meaning of the key questions"): a customer is exposed
when one of its interactions hit the friction at a time it showed the persona; its first hit is the earliest such
interaction; it switched when a switch followed in (firstHit, firstHit + windowDays]. Customers who refused
`analytics` are left out, as the row leaves them out (docs/privacy.md). Switchers come first, then the most recent
first hits.
"""

from __future__ import annotations

from typing import Any, TypedDict

from graph.ontology import Label, Rel
from graph.store import GraphStore

DAY_MS = 86_400_000

AFFECTED_CUSTOMERS = f"""
MATCH (:{Label.PERSONA} {{code: $persona}})<-[s:{Rel.SHOWS}]-(c:{Label.CUSTOMER})
WHERE s.weight > 0
WITH c, collect([s.since, s.until]) AS spans
WHERE NOT 'analytics' IN coalesce(c.refused, [])
MATCH (c)-[:{Rel.PERFORMED}]->(i:{Label.INTERACTION})
WHERE $friction IN coalesce(i.frictions, [])
  AND ($since IS NULL OR i.ts >= $since) AND ($until IS NULL OR i.ts < $until)
// computed in WITH, not in WHERE: FalkorDB 4.16 drops rows for any() over an outer list inside MATCH … WHERE
WITH c, i, any(span IN spans WHERE (span[0] IS NULL OR span[0] <= i.ts) AND (span[1] IS NULL OR i.ts < span[1]))
       AS asPersona
WHERE asPersona
WITH c, min(i.ts) AS firstHit
OPTIONAL MATCH (c)-[w:{Rel.SWITCHED_TO}]->(k:{Label.COMPETITOR})
WHERE w.ts > firstHit AND w.ts <= firstHit + $windowMs AND ($until IS NULL OR w.ts < $until)
WITH c, firstHit, w, k ORDER BY w.ts
WITH c, firstHit, collect(k.code) AS competitors, collect(w.ts) AS switchTimes
RETURN c.id AS customer, firstHit, head(competitors) AS competitor, head(switchTimes) AS switchedAt
ORDER BY switchedAt IS NULL, firstHit DESC, customer
LIMIT $limit
"""


class AffectedCustomer(TypedDict):
    customer: str  # customer id
    firstHit: int  # epoch ms of the first hit while the customer showed the persona
    competitor: str | None  # competitor code of the earliest switch in the window, else None
    switchedAt: int | None  # epoch ms of that switch


def affected_customers(store: GraphStore, persona: str, friction: str, window_days: int = 90,
                       since: int | None = None, until: int | None = None, limit: int = 50) -> list[AffectedCustomer]:
    """The customers behind one frictionToCompetitors row (`since`/`until` epoch ms; None leaves a bound open)."""
    rows = store.read(AFFECTED_CUSTOMERS, {
        "persona": persona, "friction": friction, "windowMs": int(window_days) * DAY_MS,
        "since": since, "until": until, "limit": int(limit),
    }, name="affected-customers")
    return [_affected(row) for row in rows]


def _affected(row: dict[str, Any]) -> AffectedCustomer:
    switched_at = row["switchedAt"]
    return AffectedCustomer(
        customer=str(row["customer"]),
        firstHit=int(row["firstHit"]),
        competitor=None if row["competitor"] is None else str(row["competitor"]),
        switchedAt=None if switched_at is None else int(switched_at),
    )
