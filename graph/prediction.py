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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx

from cypher import DAY_MS, now_ms
from graph.errors import InputError
from graph.store import GraphStore

SWITCH_PREFIX = "switch:"
CHURN = "churn"
LEAVING_TYPES = ("switch", CHURN)  # the latest interaction being one of these means the customer has left
START = "(start)"  # the state of a customer with no interactions yet: how journeys begin
PRIOR_STRENGTH = 10.0
SWITCH_WINDOW_DAYS = 90  # a switch this soon after a journey's last step counts as that step's next one


@dataclass(frozen=True)
class PredictedStep:
    touchpoint: str  # a touchpoint code, or the pseudo-steps 'switch:<competitor>' and 'churn'
    probability: float

    @property
    def competitor(self) -> str | None:
        """The competitor code when this step is a switch, else None."""
        return self.touchpoint.removeprefix(SWITCH_PREFIX) if self.touchpoint.startswith(SWITCH_PREFIX) else None


# -- the model (pure) ----------------------------------------------------------------------------------------------
def state_of(touchpoint: str | None, event_type: str | None, competitor: str | None) -> str | None:
    """The Markov state of one interaction (in Cypher: cypher/fragments/markov-state.cypher)."""
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


def top_steps(distribution: Mapping[str, float], k: int) -> list[PredictedStep]:
    """The `k` most likely next states, ties broken by code so answers are stable."""
    ranked = sorted(distribution.items(), key=lambda item: (-item[1], item[0]))[:k]
    return [PredictedStep(state, round(p, 4)) for state, p in ranked]


def has_left(latest: Mapping[str, Any]) -> bool:
    """Whether a customer whose latest interaction is `latest` has left (switched to a competitor or churned)."""
    return latest.get("type") in LEAVING_TYPES


# -- reading the graph -----------------------------------------------------------------------------------------------
def latest_interaction(store: GraphStore, customer_id: str, at: int) -> dict[str, Any]:
    """The customer's latest interaction up to `at` ((ts, id) order): touchpoint, type, competitor, ts; its fields
    are null when the customer has none. InputError when there is no such customer."""
    rows = store.run("latest-interaction", {"customer": customer_id, "at": at})
    if not rows:
        raise InputError(f"There is no customer {customer_id!r}; check the id (customers merged into another "
                         "answer under the survivor's id).")
    return dict(rows[0])


def next_steps(store: GraphStore, customer_id: str, k: int = 3, at: int | None = None) -> list[PredictedStep]:
    """The `k` most likely next touchpoints of a customer (switches to competitors included), best first.

    Only interactions up to `at` (epoch ms, default now) are used, both for the customer's state and the model."""
    if k < 1:
        raise InputError(f"k={k} must be at least 1.")
    at = now_ms() if at is None else at
    latest = latest_interaction(store, customer_id, at)
    if has_left(latest):
        return []  # gone to a competitor (or churned): win-back is for next_best_actions, not a predicted step
    personas = {r["persona"]: float(r["weight"])
                for r in store.run("personas-at", {"customer": customer_id, "at": at})}
    if latest["touchpoint"] is None:
        state, anchor = START, None
    else:
        state = state_of(latest["touchpoint"], latest["type"], latest["competitor"]) or START
        anchor = latest["touchpoint"]
    if anchor is None:
        params: dict[str, Any] = {"customer": customer_id, "at": at}
        all_queries = [("next-steps-from-start", params)]
    else:
        params = {"customer": customer_id, "touchpoint": anchor, "state": state, "at": at}
        all_queries = [("next-steps-from-state", params),
                       ("next-steps-switch-after", {**params, "window": SWITCH_WINDOW_DAYS * DAY_MS})]
    # the same transitions among customers who showed the target's personas, each weighted by the persona weight
    persona_queries = [(f"{name}-by-persona", {**query_params, "personas": list(personas)})
                       for name, query_params in all_queries] if personas else []
    everyone = transition_graph(
        (state, r["target"], float(r["n"]))
        for name, query_params in all_queries for r in store.run(name, query_params)
        if r["target"] is not None)
    by_persona = transition_graph(
        (state, r["target"], personas[r["persona"]] * float(r["weight"]))
        for name, query_params in persona_queries for r in store.run(name, query_params)
        if r["target"] is not None)
    distribution = blended_distribution(by_persona, everyone, state)
    if not distribution:
        # the current state was never left in the data: answer with where interactions lead in general
        anywhere = transition_graph((state, r["target"], float(r["n"]))
                                    for r in store.run("next-steps-anywhere", {"customer": customer_id, "at": at})
                                    if r["target"] is not None)
        distribution = next_distribution(anywhere, state)
    return top_steps(distribution, k)
