"""Catalog codes events refer to (channels, touchpoints, frictions, triggers, competitors, products) that the graph
lacks are created on the fly with `auto = true`; loading the catalog later makes them catalog entries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graph.ontology import STAGES
from graph.store import GraphStore
from ingest.contracts import Event

KINDS = ("channels", "touchpoints", "frictions", "triggers", "competitors", "products")


class AutoCodes:
    """Creates the codes events use and the graph lacks, remembering which it has seen (one per writer)."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.known: dict[str, set[str]] = {}

    def forget(self) -> None:
        self.known.clear()

    def ensure(self, events: Iterable[Event]) -> None:
        """Create the channels, touchpoints, frictions, … the events use and the graph lacks (auto = true)."""
        wanted: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}

        def want(kind: str, code: str, row: Any) -> None:
            if code not in self.known.get(kind, ()) and code not in wanted[kind]:
                wanted[kind][code] = row

        for e in events:
            want("channels", e.channel, e.channel)
            want("touchpoints", e.touchpoint, {"code": e.touchpoint, "channel": e.channel, "stage": e.stage})
            for f in e.friction:
                want("frictions", f, {"code": f, "touchpoint": e.touchpoint})
            if e.trigger:
                want("triggers", e.trigger, e.trigger)
            if e.competitor:
                want("competitors", e.competitor, e.competitor)
            if e.product:
                want("products", e.product, e.product)
        if not any(wanted.values()):
            return
        params: dict[str, Any] = {k: [v[c] for c in sorted(v)] for k, v in wanted.items()}
        params["stages"] = [{"name": s, "order": n} for n, s in enumerate(STAGES, start=1)]
        self.store.run("ingest-codes", params)
        for kind, codes in wanted.items():
            self.known.setdefault(kind, set()).update(codes)
