"""Next best actions: what the organisation should do for a customer now, each with a reason a person can read.

1. The customer's latest interaction with a trigger event (e.g. a hair-colour result) and its experience outcome
   (negative / met / exceeded; when the event has none, inferred from CSAT, then sentiment).
2. The catalog's answers to that outcome: `(TriggerEvent)-[:SUGGESTS {when}]->(Action)`.
3. Consent: an action whose purpose the customer refused (their latest decision for it at `at`, by the one rule of
   `graph.privacy.LATEST_DECISION`, refuses it) is left out; product and content actions need `marketing`, the
   others `service`.
4. Ranking by what moved similar customers forward: among customers who showed the same personas (everybody when the
   customer has none) and had the same trigger and outcome, those who took an action (a later interaction within
   `WINDOW_DAYS` whose touchpoint, product or type is the action's code) and did not switch or churn within
   `WINDOW_DAYS` of the trigger count as moved forward. Customers who refused `analytics` are not part of that
   history (docs/privacy.md). Score = (forward + 1) / (took + 2), so an action without
   history sits at 0.5, between proven and failed ones; ties keep catalog order by code.
5. After a switch to a competitor (or churn) as the customer's latest interaction, steps 1-4 do not apply: the only
   suggestions are the catalog's win-back actions, those it lists for the trigger `competitor_switch`, consent
   still respected (a catalog without them suggests nothing).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from graph.errors import InputError
from graph.ontology import Label, Rel
from graph.prediction import has_left, latest_interaction
from graph.privacy import DECIDED_BY_AT, LATEST_DECISION
from graph.store import GraphStore

WINDOW_DAYS = 90
WIN_BACK_TRIGGER = "competitor_switch"  # the catalog's actions for this trigger are the win-back actions
DAY_MS = 86_400_000
MARKETING_KINDS = ("product", "content")
_OUTCOME_WORDS = {"negative": "negative", "met": "as expected", "exceeded": "better than expected"}


@dataclass(frozen=True)
class RecommendedAction:
    action: str  # the Action's code
    name: str | None
    kind: str | None
    reason: str
    score: float  # (similar customers moved forward after it + 1) / (took it + 2)


def infer_experience(experience: str | None, csat: float | None, sentiment: float | None) -> tuple[str | None, str]:
    """The experience outcome and how it was known: the event's own, else CSAT (<=2, 3-4, 5), else sentiment."""
    if experience in _OUTCOME_WORDS:
        return experience, ""
    if csat is not None:
        return ("negative" if csat <= 2 else "met" if csat < 5 else "exceeded"), f" (inferred from CSAT {csat:g})"
    if sentiment is not None:
        inferred = "negative" if sentiment < -0.3 else "exceeded" if sentiment > 0.6 else "met"
        return inferred, f" (inferred from sentiment {sentiment:+.1f})"
    return None, ""


def forward_score(took: int, forward: int) -> float:
    return (forward + 1) / (took + 2)


def next_best_actions(store: GraphStore, customer_id: str, at: int | None = None) -> list[RecommendedAction]:
    """Catalog actions for the customer's latest trigger outcome, allowed by consent, best first."""
    at = int(time.time() * 1000) if at is None else at
    rows = store.read(_CUSTOMER, {"customer": customer_id, "at": at}, name="nba-customer")
    if not rows:
        raise InputError(f"There is no customer {customer_id!r}; check the id.")
    refused = set(rows[0]["refused"])
    last = latest_interaction(store, customer_id, at)
    if has_left(last):
        return _win_back(store, last, refused)
    latest = store.read(_LATEST_TRIGGER, {"customer": customer_id, "at": at}, name="nba-trigger")
    if not latest:
        return []
    moment = latest[0]
    experience, how = infer_experience(moment["experience"], moment["csat"], moment["sentiment"])
    if experience is None:
        return []
    candidates = [a for a in store.read(_SUGGESTED, {"trigger": moment["trigger"], "experience": experience},
                                        name="nba-suggested")
                  if a["purpose"] not in refused]
    if not candidates:
        return []
    personas = [p for p in rows[0]["personas"] if p is not None]
    params = {"customer": customer_id, "trigger": moment["trigger"], "experience": experience, "at": at,
              "window": WINDOW_DAYS * DAY_MS, "actions": [a["code"] for a in candidates], "personas": personas}
    history = {r["action"]: (int(r["took"]), int(r["forward"]))
               for r in store.read(_HISTORY_OF_PERSONAS if personas else _HISTORY, params, name="nba-history")}
    who = f"customers who are also {' or '.join(personas)}" if personas else "customers"
    trigger_name = moment["trigger_name"] or moment["trigger"]
    when = datetime.fromtimestamp(moment["ts"] / 1000, tz=UTC).strftime("%Y-%m-%d")
    recommended = []
    for a in candidates:
        took, forward = history.get(a["code"], (0, 0))
        evidence = (f"{forward} of {took} {who} with the same outcome who took it stayed (no switch within "
                    f"{WINDOW_DAYS} days)." if took else f"No {who} with the same outcome have taken it yet.")
        reason = (f"The latest {trigger_name} on {when} was {_OUTCOME_WORDS[experience]}{how}; the catalog answers "
                  f"a {experience} outcome with '{a['name'] or a['code']}'. {evidence}")
        recommended.append(RecommendedAction(a["code"], a["name"], a["kind"], reason, round(forward_score(took,
                                                                                                       forward), 4)))
    recommended.sort(key=lambda r: (-r.score, r.action))
    return recommended


def _win_back(store: GraphStore, departure: dict[str, Any], refused: set[str]) -> list[RecommendedAction]:
    """The catalog's win-back actions the customer's consents allow, after `departure` (a switch or churn)."""
    when = datetime.fromtimestamp(departure["ts"] / 1000, tz=UTC).strftime("%Y-%m-%d")
    left = (f"switched to {departure['competitor'] or 'a competitor'}" if departure["type"] == "switch"
            else "churned")
    return [RecommendedAction(a["code"], a["name"], a["kind"],
                              f"The customer {left} on {when}: only win-back actions apply now; the catalog answers "
                              f"a departure with '{a['name'] or a['code']}'.", forward_score(0, 0))
            for a in store.read(_SUGGESTED_ANY, {"trigger": WIN_BACK_TRIGGER}, name="nba-win-back")
            if a["purpose"] not in refused]


_C, _I, _T, _A = Label.CUSTOMER.value, Label.INTERACTION.value, Label.TRIGGER_EVENT.value, Label.ACTION.value
_CUSTOMER = (
    f"MATCH (c:{_C} {{id: $customer}}) "
    f"OPTIONAL MATCH (c)-[:{Rel.GAVE.value}]->(k:{Label.CONSENT.value}) WHERE {DECIDED_BY_AT} "
    f"{LATEST_DECISION} "
    "WITH c, collect(CASE WHEN granted = false THEN purpose END) AS refused "
    f"OPTIONAL MATCH (c)-[s:{Rel.SHOWS.value}]->(p:{Label.PERSONA.value}) "
    "WHERE s.weight > 0 AND (s.since IS NULL OR s.since <= $at) AND (s.until IS NULL OR $at < s.until) "
    "RETURN refused, collect(DISTINCT p.code) AS personas"
)
_LATEST_TRIGGER = (
    f"MATCH (:{_C} {{id: $customer}})-[:{Rel.PERFORMED.value}]->(i:{_I})-[t:{Rel.TRIGGERED.value}]->(e:{_T}) "
    "WHERE i.ts <= $at "
    "RETURN i.id AS interaction, i.ts AS ts, e.code AS trigger, e.name AS trigger_name, "
    "coalesce(t.experience, i.experience) AS experience, i.csat AS csat, i.sentiment AS sentiment "
    "ORDER BY i.ts DESC, i.id DESC LIMIT 1"
)
_ACTIONS_OF_TRIGGER = f"MATCH (:{_T} {{code: $trigger}})-[s:{Rel.SUGGESTS.value}]->(a:{_A}) "
_ACTION_ROWS = (
    "RETURN DISTINCT a.code AS code, a.name AS name, a.kind AS kind, "
    f"coalesce(a.purpose, CASE WHEN a.kind IN {list(MARKETING_KINDS)!r} THEN 'marketing' ELSE 'service' END) "
    "AS purpose ORDER BY code"
)
_SUGGESTED = _ACTIONS_OF_TRIGGER + "WHERE coalesce(s.when, a.when) = $experience " + _ACTION_ROWS
_SUGGESTED_ANY = _ACTIONS_OF_TRIGGER + _ACTION_ROWS  # whatever the outcome: win-back actions answer a departure
_SAME_MOMENT = (
    f"MATCH (:{_T} {{code: $trigger}})<-[t:{Rel.TRIGGERED.value}]-(i:{_I})<-[:{Rel.PERFORMED.value}]-(c:{_C}) "
    "WHERE coalesce(t.experience, i.experience) = $experience AND i.ts <= $at AND c.id <> $customer "
    "AND NOT 'analytics' IN coalesce(c.refused, []) "
)
_TOOK_AND_STAYED = (
    f"MATCH (c)-[:{Rel.PERFORMED.value}]->(f:{_I}) "
    "WHERE f.ts > i.ts AND f.ts <= i.ts + $window AND f.ts <= $at "
    "AND (f.touchpoint IN $actions OR f.product IN $actions OR f.type IN $actions) "
    "WITH DISTINCT c, i, CASE WHEN f.touchpoint IN $actions THEN f.touchpoint "
    "WHEN f.product IN $actions THEN f.product ELSE f.type END AS action "
    f"OPTIONAL MATCH (c)-[:{Rel.PERFORMED.value}]->(x:{_I}) "
    "WHERE x.type IN ['switch', 'churn'] AND x.ts > i.ts AND x.ts <= i.ts + $window "
    "WITH action, c, i, count(x) AS left "
    "RETURN action, count(*) AS took, sum(CASE WHEN left = 0 THEN 1 ELSE 0 END) AS forward"
)
_HISTORY = _SAME_MOMENT + "WITH c, i " + _TOOK_AND_STAYED
_HISTORY_OF_PERSONAS = (
    _SAME_MOMENT
    + f"MATCH (c)-[s:{Rel.SHOWS.value}]->(p:{Label.PERSONA.value}) WHERE p.code IN $personas AND s.weight > 0 "
    "AND (s.since IS NULL OR s.since <= i.ts) AND (s.until IS NULL OR i.ts < s.until) "
    "WITH DISTINCT c, i " + _TOOK_AND_STAYED
)
