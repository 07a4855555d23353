"""Next best actions: what the organisation should do for a customer now, each with a reason a person can read.

1. The customer's latest interaction with a trigger event (e.g. a hair-colour result) and its experience outcome
   (negative / met / exceeded; when the event has none, inferred from CSAT, then sentiment).
2. The catalog's answers to that outcome: `(TriggerEvent)-[:SUGGESTS {when}]->(Action)`.
3. Consent: an action whose purpose the customer refused (their latest decision for it at `at`, by the one rule of
   `cypher/fragments/latest-decision.cypher`, refuses it) is left out; product and content actions need `marketing`, the
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

from dataclasses import dataclass
from typing import Any

from cypher import DAY_MS, now_ms
from cypher.moments import from_epoch_ms
from graph.errors import InputError
from graph.prediction import has_left, latest_interaction
from graph.store import GraphStore

WINDOW_DAYS = 90
WIN_BACK_TRIGGER = "competitor_switch"  # the catalog's actions for this trigger are the win-back actions
_OUTCOME_WORDS = {"negative": "negative", "met": "as expected", "exceeded": "better than expected"}


@dataclass(frozen=True)
class ActionRecommendation:
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


def next_best_actions(store: GraphStore, customer_id: str, at: int | None = None) -> list[ActionRecommendation]:
    """Catalog actions for the customer's latest trigger outcome, allowed by consent, best first."""
    at = now_ms() if at is None else at
    rows = store.run("nba-customer", {"customer": customer_id, "at": at})
    if not rows:
        raise InputError(f"There is no customer {customer_id!r}; check the id.")
    refused = set(rows[0]["refused"])
    last = latest_interaction(store, customer_id, at)
    if has_left(last):
        return _win_back(store, last, refused)
    latest = store.run("nba-latest-trigger", {"customer": customer_id, "at": at})
    if not latest:
        return []
    moment = latest[0]
    experience, how = infer_experience(moment["experience"], moment["csat"], moment["sentiment"])
    if experience is None:
        return []
    candidates = [a for a in store.run("nba-suggested", {"trigger": moment["trigger"], "experience": experience})
                  if a["purpose"] not in refused]
    if not candidates:
        return []
    personas = [p for p in rows[0]["personas"] if p is not None]
    params = {"customer": customer_id, "trigger": moment["trigger"], "experience": experience, "at": at,
              "window": WINDOW_DAYS * DAY_MS, "actions": [a["code"] for a in candidates]}
    history = {r["action"]: (int(r["took"]), int(r["forward"])) for r in (
        store.run("nba-history-of-personas", {**params, "personas": personas}) if personas
        else store.run("nba-history", params))}
    who = f"customers who are also {' or '.join(personas)}" if personas else "customers"
    trigger_name = moment["trigger_name"] or moment["trigger"]
    when = from_epoch_ms(moment["ts"]).strftime("%Y-%m-%d")
    recommended = []
    for a in candidates:
        took, forward = history.get(a["code"], (0, 0))
        evidence = (f"{forward} of {took} {who} with the same outcome who took it stayed (no switch within "
                    f"{WINDOW_DAYS} days)." if took else f"No {who} with the same outcome have taken it yet.")
        reason = (f"The latest {trigger_name} on {when} was {_OUTCOME_WORDS[experience]}{how}; the catalog answers "
                  f"a {experience} outcome with '{a['name'] or a['code']}'. {evidence}")
        recommended.append(ActionRecommendation(a["code"], a["name"], a["kind"], reason, round(forward_score(took,
                                                                                                          forward), 4)))
    recommended.sort(key=lambda r: (-r.score, r.action))
    return recommended


def _win_back(store: GraphStore, departure: dict[str, Any], refused: set[str]) -> list[ActionRecommendation]:
    """The catalog's win-back actions the customer's consents allow, after `departure` (a switch or churn)."""
    when = from_epoch_ms(departure["ts"]).strftime("%Y-%m-%d")
    left = (f"switched to {departure['competitor'] or 'a competitor'}" if departure["type"] == "switch"
            else "churned")
    return [ActionRecommendation(a["code"], a["name"], a["kind"],
                                 f"The customer {left} on {when}: only win-back actions apply now; the catalog answers "
                                 f"a departure with '{a['name'] or a['code']}'.", forward_score(0, 0))
            for a in store.run("nba-suggested", {"trigger": WIN_BACK_TRIGGER})
            if a["purpose"] not in refused]
