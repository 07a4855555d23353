"""Per-request DataLoaders: every nested list or reference of a GraphQL answer is fetched in batches, so a page of
50 journeys with their interactions, touchpoints, channels and frictions costs a constant handful of store round
trips. Each loader calls one batched read of `graph.reads` in a worker thread (the store port is synchronous)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader

from graph import reads
from graph.analytics.relationship import relationship_stages
from graph.ontology import Label
from graph.store import GraphStore, Row

A = TypeVar("A", bound=Hashable)
V = TypeVar("V")


def _loader(store: GraphStore,
            read: Callable[[GraphStore, Sequence[str]], Mapping[str, V]]) -> DataLoader[str, V | None]:
    """A loader of values keyed by id/code; None for a key the graph does not hold."""

    async def load(keys: list[str]) -> list[V | None]:
        found = await run_in_threadpool(read, store, keys)
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _list_loader(store: GraphStore,
                 read: Callable[[GraphStore, Sequence[str]], Mapping[str, list[V]]]) -> DataLoader[str, list[V]]:
    """A loader of lists keyed by id; an empty list for a key with nothing in the graph."""

    async def load(keys: list[str]) -> list[list[V]]:
        found = await run_in_threadpool(read, store, keys)
        return [found.get(k, []) for k in keys]

    return DataLoader(load_fn=load)


def _loader_with_argument(store: GraphStore, read: Callable[[GraphStore, Sequence[str], A], Mapping[str, V]],
                          default: Callable[[], V]) -> DataLoader[tuple[str, A], V]:
    """A loader keyed by (id, argument): one read per distinct argument (usually one), each for all the ids."""

    async def load(keys: list[tuple[str, A]]) -> list[V]:
        by_argument: dict[A, list[str]] = {}
        for key, argument in keys:
            by_argument.setdefault(argument, []).append(key)
        found: dict[tuple[str, A], V] = {}
        for argument, ids in by_argument.items():
            rows = await run_in_threadpool(read, store, ids, argument)
            found.update({(k, argument): v for k, v in rows.items()})
        return [found[k] if k in found else default() for k in keys]

    return DataLoader(load_fn=load)


def _catalog(store: GraphStore, label: Label) -> DataLoader[str, Row | None]:
    return _loader(store, partial(_nodes, label=label))


def _nodes(store: GraphStore, keys: Sequence[str], label: Label) -> dict[str, Row]:
    return reads.nodes_by_keys(store, label, keys)


def _current_personas(store: GraphStore, ids: Sequence[str], at: int | None) -> dict[str, list[Row]]:
    return reads.current_personas(store, ids, at)


def _persona_counts(store: GraphStore, codes: Sequence[str], at: int | None) -> dict[str, int]:
    return reads.persona_customer_counts(store, codes, at)


def _zero() -> int:
    return 0


def _journeys(store: GraphStore, ids: Sequence[str], page: reads.JourneyPageRequest) -> dict[str, reads.JourneyPage]:
    return reads.journey_pages(store, ids, page)


def _empty_page() -> reads.JourneyPage:
    return reads.JourneyPage([], 0, False, False)


def _no_rows() -> list[Row]:
    return []


class Loaders:
    """The DataLoaders of one request (a cache per request: no data leaks between callers)."""

    def __init__(self, store: GraphStore,
                 pii_reader: Callable[[GraphStore, Sequence[str]], Mapping[str, dict[str, Any]]] | None = None) -> None:
        self.customers = _loader(store, reads.customers_by_ids)
        self.pii = _loader(store, pii_reader or reads.pii_of_customers)
        self.current_personas = _loader_with_argument(store, _current_personas, _no_rows)
        self.persona_history = _list_loader(store, reads.persona_history)
        self.personas = _loader(store, reads.personas_by_codes)
        self.persona_customers = _loader_with_argument(store, _persona_counts, _zero)
        self.insights = _list_loader(store, reads.insights_of_personas)
        self.journeys = _loader_with_argument(store, _journeys, _empty_page)
        self.interactions_of_journey = _list_loader(store, reads.interactions_of_journeys)
        self.interactions = _catalog(store, Label.INTERACTION)
        self.customer_frictions = _list_loader(store, reads.frictions_of_customers)
        self.switches = _list_loader(store, reads.switches_of_customers)
        self.consents = _list_loader(store, reads.consents_of_customers)
        self.relationship_stages = _loader(store, relationship_stages)
        self.touchpoints = _catalog(store, Label.TOUCHPOINT)
        self.channels = _catalog(store, Label.CHANNEL)
        self.frictions = _catalog(store, Label.FRICTION_POINT)
        self.stakeholders = _catalog(store, Label.STAKEHOLDER)
        self.competitors = _catalog(store, Label.COMPETITOR)
        self.actions = _catalog(store, Label.ACTION)
