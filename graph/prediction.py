"""What a customer does next: a first-order Markov model over touchpoints, built with networkx from `NEXT` chains.

The state of an interaction is its touchpoint code, except that a `switch` event is the pseudo-state
`switch:<competitor>` and a `churn` event is `churn`, so leaving is predicted with a probability like any step.
Transitions observed from the customer's current state are counted twice: once over every customer, and once over
customers who showed the target customer's current personas at the time (each counted with its persona weight times
the target's weight for that persona). The persona counts are smoothed towards the all-customer distribution with
`PRIOR_STRENGTH` pseudo-observations, so thin persona data falls back to everybody's behaviour:

    p(t | s) = (persona_count(s, t) + PRIOR_STRENGTH * p_all(t | s)) / (persona_total(s) + PRIOR_STRENGTH)

A switch event outside the journey (its own session, or after the journey gap) counts as the next step of the
journey's last interaction when it follows within `SWITCH_WINDOW_DAYS` and nothing happened in between.
A state nobody ever left answers with where all observed transitions lead; a customer without interactions gets
the touchpoints journeys begin with. A customer whose latest interaction is a switch or churn has left
(`has_left`): there is no next step to predict. Other customers who refused `analytics` are not part of the training
data; the customer's own history always counts for them (docs/privacy.md).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from graph.errors import InputError
from graph.ontology import Label, Rel
from graph.store import GraphStore

SWITCH_PREFIX = "switch:"
CHURN = "churn"
LEAVING_TYPES = ("switch", CHURN)  # the latest interaction being one of these means the customer has left
START = "(start)"  # the state of a customer with no interactions yet: how journeys begin
PRIOR_STRENGTH = 10.0
SWITCH_WINDOW_DAYS = 90  # a switch this soon after a journey's last step counts as that step's next one
DAY_MS = 86_400_000


@dataclass(frozen=True)
class NextStep:
    touchpoint: str  # a touchpoint code, or the pseudo-steps 'switch:<competitor>' and 'churn'
    probability: float

    @property
    def competitor(self) -> str | None:
        """The competitor code when this step is a switch, else None."""
        return self.touchpoint.removeprefix(SWITCH_PREFIX) if self.touchpoint.startswith(SWITCH_PREFIX) else None


# -- the model (pure) ----------------------------------------------------------------------------------------------
def state_of(touchpoint: str | None, event_type: str | None, competitor: str | None) -> str | None:
    """The Markov state of one interaction."""
    if event_type == "switch":
        return SWITCH_PREFIX + (competitor or "unknown")
    if event_type == CHURN:
        return CHURN
    return touchpoint


def transition_graph(transitions: Iterable[tuple[str, str, float]]) -> nx.DiGraph:
    """A weighted directed graph of (from_state, to_state, weight) observations; parallel ones add up."""
    graph = nx.DiGraph()
    for source, target, weight in transitions:
        if weight <= 0:
            continue
        if graph.has_edge(source, target):
            graph[source][target]["weight"] += weight
        else:
            graph.add_edge(source, target, weight=weight)
    return graph


def next_distribution(graph: nx.DiGraph, state: str) -> dict[str, float]:
    """p(next state | state) from the outgoing edge weights; empty when the state was never left."""
    if state not in graph:
        return {}
    out = {target: float(data["weight"]) for _, target, data in graph.out_edges(state, data=True)}
    total = sum(out.values())
    return {t: w / total for t, w in out.items()} if total > 0 else {}


def blended_distribution(persona_graph: nx.DiGraph, all_graph: nx.DiGraph, state: str,
                         prior_strength: float = PRIOR_STRENGTH) -> dict[str, float]:
    """Persona-weighted transition counts smoothed towards the all-customer distribution (see the module doc)."""
    prior = next_distribution(all_graph, state)
    counts = ({t: float(d["weight"]) for _, t, d in persona_graph.out_edges(state, data=True)}
              if state in persona_graph else {})
    strength = prior_strength if prior else 0.0
    total = sum(counts.values()) + strength
    if total <= 0:
        return {}
    targets = set(counts) | set(prior)
    return {t: (counts.get(t, 0.0) + strength * prior.get(t, 0.0)) / total for t in targets}


def top_steps(distribution: Mapping[str, float], k: int) -> list[NextStep]:
    """The `k` most likely next states, ties broken by code so answers are stable."""
    ranked = sorted(distribution.items(), key=lambda item: (-item[1], item[0]))[:k]
    return [NextStep(state, round(p, 4)) for state, p in ranked]


def has_left(latest: Mapping[str, Any]) -> bool:
    """Whether a customer whose latest interaction is `latest` has left (switched to a competitor or churned)."""
    return latest.get("type") in LEAVING_TYPES


# -- reading the graph -----------------------------------------------------------------------------------------------
def latest_interaction(store: GraphStore, customer_id: str, at: int) -> dict[str, Any]:
    """The customer's latest interaction up to `at` ((ts, id) order): touchpoint, type, competitor, ts; its fields
    are null when the customer has none. InputError when there is no such customer."""
    rows = store.read(_LATEST, {"customer": customer_id, "at": at}, name="latest-interaction")
    if not rows:
        raise InputError(f"There is no customer {customer_id!r}; check the id (customers merged into another "
                         "answer under the survivor's id).")
    return dict(rows[0])


def next_steps(store: GraphStore, customer_id: str, k: int = 3, at: int | None = None) -> list[NextStep]:
    """The `k` most likely next touchpoints of a customer (switches to competitors included), best first.

    Only interactions up to `at` (epoch ms, default now) are used, both for the customer's state and the model."""
    if k < 1:
        raise InputError(f"k={k} must be at least 1.")
    at = int(time.time() * 1000) if at is None else at
    latest = latest_interaction(store, customer_id, at)
    if has_left(latest):
        return []  # gone to a competitor (or churned): win-back is for next_best_actions, not a predicted step
    personas = {r["persona"]: float(r["weight"]) for r in store.read(
        _CURRENT_PERSONAS, {"customer": customer_id, "at": at}, name="next-steps-personas")}
    if latest["touchpoint"] is None:
        state, anchor = START, None
    else:
        state = state_of(latest["touchpoint"], latest["type"], latest["competitor"]) or START
        anchor = latest["touchpoint"]
    params = {"customer": customer_id, "touchpoint": anchor, "state": state, "at": at, "personas": list(personas),
              "window": SWITCH_WINDOW_DAYS * DAY_MS}
    all_queries = [_FROM_START_ALL] if anchor is None else [_FROM_STATE_ALL, _SWITCH_AFTER_ALL]
    persona_queries = [_FROM_START_PERSONA] if anchor is None else [_FROM_STATE_PERSONA, _SWITCH_AFTER_PERSONA]
    if not personas:
        persona_queries = []
    everyone = transition_graph(
        (state, r["target"], float(r["n"]))
        for query in all_queries for r in store.read(query, params, name="next-steps-all")
        if r["target"] is not None)
    by_persona = transition_graph(
        (state, r["target"], personas[r["persona"]] * float(r["weight"]))
        for query in persona_queries for r in store.read(query, params, name="next-steps-persona")
        if r["target"] is not None)
    distribution = blended_distribution(by_persona, everyone, state)
    if not distribution:
        # the current state was never left in the data: answer with where interactions lead in general
        anywhere = transition_graph((state, r["target"], float(r["n"]))
                                    for r in store.read(_ANY_NEXT, params, name="next-steps-any")
                                    if r["target"] is not None)
        distribution = next_distribution(anywhere, state)
    return top_steps(distribution, k)


_I, _C = Label.INTERACTION.value, Label.CUSTOMER.value
_STATE_B = ("CASE WHEN b.type = 'switch' THEN 'switch:' + coalesce(b.competitor, 'unknown') "
            "WHEN b.type = 'churn' THEN 'churn' ELSE b.touchpoint END")
_STATE_A = ("CASE WHEN a.type = 'switch' THEN 'switch:' + coalesce(a.competitor, 'unknown') "
            "WHEN a.type = 'churn' THEN 'churn' ELSE a.touchpoint END")
_VALID_AT_A = "s.weight > 0 AND (s.since IS NULL OR s.since <= a.ts) AND (s.until IS NULL OR a.ts < s.until)"
# the analytics consent rule for training data: another customer's chain counts unless they refused `analytics`
_TRAINS = "(c.id = $customer OR NOT 'analytics' IN coalesce(c.refused, []))"

_LATEST = (
    f"MATCH (c:{_C} {{id: $customer}}) "
    f"OPTIONAL MATCH (c)-[:{Rel.PERFORMED.value}]->(i:{_I}) WHERE i.ts <= $at "
    "WITH i ORDER BY i.ts DESC, i.id DESC LIMIT 1 "
    "RETURN i.touchpoint AS touchpoint, i.type AS type, i.competitor AS competitor, i.ts AS ts"
)
_CURRENT_PERSONAS = (
    f"MATCH (:{_C} {{id: $customer}})-[s:{Rel.SHOWS.value}]->(p:{Label.PERSONA.value}) "
    "WHERE s.weight > 0 AND (s.since IS NULL OR s.since <= $at) AND (s.until IS NULL OR $at < s.until) "
    "RETURN p.code AS persona, max(s.weight) AS weight"
)
_FROM_STATE = (
    f"MATCH (:{Label.TOUCHPOINT.value} {{code: $touchpoint}})<-[:{Rel.AT.value}]-(a:{_I})"
    f"-[:{Rel.NEXT.value}]->(b:{_I}) "
    f"WHERE b.ts <= $at AND {_STATE_A} = $state "
    f"MATCH (c:{_C})-[:{Rel.PERFORMED.value}]->(a) WHERE {_TRAINS} "
)
_FROM_STATE_ALL = _FROM_STATE + f"RETURN {_STATE_B} AS target, count(*) AS n"
_FROM_STATE_PERSONA = (
    _FROM_STATE
    + f"MATCH (c)-[s:{Rel.SHOWS.value}]->(p:{Label.PERSONA.value}) WHERE p.code IN $personas AND {_VALID_AT_A} "
    f"RETURN {_STATE_B} AS target, p.code AS persona, sum(s.weight) AS weight"
)
_ANY_NEXT = (f"MATCH (a:{_I})-[:{Rel.NEXT.value}]->(b:{_I}) WHERE b.ts <= $at "
             f"MATCH (c:{_C})-[:{Rel.PERFORMED.value}]->(a) WHERE {_TRAINS} "
             f"RETURN {_STATE_B} AS target, count(*) AS n")
# a switch recorded apart from the journey (its own session, or after the journey gap) still follows the journey's
# last step when nothing else happened in between: a leaving customer's last touchpoint predicts the switch
_JOURNEY_END_THEN_SWITCH = (
    f"MATCH (:{Label.TOUCHPOINT.value} {{code: $touchpoint}})<-[:{Rel.AT.value}]-(a:{_I}) "
    f"WHERE {_STATE_A} = $state AND NOT (a)-[:{Rel.NEXT.value}]->() "
    f"MATCH (c:{_C})-[:{Rel.PERFORMED.value}]->(a) WHERE {_TRAINS} "
    f"MATCH (c)-[r:{Rel.SWITCHED_TO.value}]->(:{Label.COMPETITOR.value}) "
    "WHERE r.ts > a.ts AND r.ts <= a.ts + $window AND r.ts <= $at "
    "WITH c, a, min(r.ts) AS left_at "
    f"MATCH (c)-[r:{Rel.SWITCHED_TO.value}]->(k:{Label.COMPETITOR.value}) WHERE r.ts = left_at "
    f"OPTIONAL MATCH (c)-[:{Rel.PERFORMED.value}]->(x:{_I}) "
    "WHERE x.ts > a.ts AND x.ts < left_at AND coalesce(x.type, '') <> 'switch' "
    "WITH c, a, k, count(x) AS between WHERE between = 0 "
    "WITH c, a, 'switch:' + min(k.code) AS target "
)
_SWITCH_AFTER_ALL = _JOURNEY_END_THEN_SWITCH + "RETURN target, count(*) AS n"
_SWITCH_AFTER_PERSONA = (
    _JOURNEY_END_THEN_SWITCH
    + f"MATCH (c)-[s:{Rel.SHOWS.value}]->(p:{Label.PERSONA.value}) WHERE p.code IN $personas AND {_VALID_AT_A} "
    "RETURN target, p.code AS persona, sum(s.weight) AS weight"
)
# how journeys begin: the first interaction of each journey (no NEXT leads to it)
_FROM_START = (f"MATCH (b:{_I}) WHERE b.ts <= $at AND NOT ()-[:{Rel.NEXT.value}]->(b) "
               f"MATCH (c:{_C})-[:{Rel.PERFORMED.value}]->(b) WHERE {_TRAINS} ")
_FROM_START_ALL = _FROM_START + f"RETURN {_STATE_B} AS target, count(*) AS n"
_FROM_START_PERSONA = (
    _FROM_START
    + f"MATCH (c)-[s:{Rel.SHOWS.value}]->(p:{Label.PERSONA.value}) WHERE p.code IN $personas "
    "AND s.weight > 0 AND (s.since IS NULL OR s.since <= b.ts) AND (s.until IS NULL OR b.ts < s.until) "
    f"RETURN {_STATE_B} AS target, p.code AS persona, sum(s.weight) AS weight"
)
