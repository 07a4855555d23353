# mypy: disable-error-code="untyped-decorator"
"""Live updates over graphql-transport-ws, fed by the doors' live feed (graph.doors.LiveFeed): whatever applies events
(the stream worker) publishes {"interactions": [{id, customer_id, touchpoint, type, ts, frictions}]} after each write
(ingest.stream, channel `dtc:applied:<graph name>`). Each subscription listens on its own connection while it is
open."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from datetime import datetime
from typing import Any

import strawberry

from api.auth import READERS, require
from api.context import Info
from api.types.catalog import FrictionPoint, Persona
from api.types.scalars import from_ms
from api.types.twin import Interaction
from graph import reads
from graph.ontology import Label


async def _applied(info: Info) -> AsyncIterator[dict[str, Any]]:
    """Every interaction summary applied from now on."""
    async with info.context.app.doors.live.listen() as interactions:
        info.context.metrics.subscriptions += 1  # counted once listening: a test waits for it before it publishes
        try:
            async for interaction in interactions:
                yield interaction
        finally:
            info.context.metrics.subscriptions -= 1


async def _interaction(info: Info, summary: dict[str, Any]) -> Interaction:
    """The full interaction from the graph (fresh, not from the connection's loader cache)."""
    found = await info.context.call(reads.nodes_by_keys, info.context.store, Label.INTERACTION, [summary["id"]])
    row = found.get(summary["id"]) or {**summary, "channel": summary.get("channel") or "", "ts": summary.get("ts")}
    return Interaction.of(row)


@strawberry.type(description="A friction hit by a customer who shows the persona at the time.")
class FrictionDetection:
    customer_id: strawberry.ID = strawberry.field(description="The customer who hit it.")
    at: datetime = strawberry.field(description="When.")
    friction_code: strawberry.Private[str]
    persona_code: strawberry.Private[str]
    interaction_row: strawberry.Private[Interaction]

    @strawberry.field(description="The friction point hit.")
    async def friction(self, info: Info) -> FrictionPoint:
        return await FrictionPoint.load(info, self.friction_code)

    @strawberry.field(description="The persona the customer showed.")
    async def persona(self, info: Info) -> Persona:
        return await Persona.load(info, self.persona_code)

    @strawberry.field(description="The interaction that hit it.")
    def interaction(self) -> Interaction:
        return self.interaction_row


@strawberry.type(description="Live updates as events are applied to the twin (graphql-transport-ws).")
class Subscription:
    @strawberry.subscription(description="Each new interaction of one customer, as soon as it is in the twin.")
    async def interaction_recorded(self, info: Info, customer_id: strawberry.ID) -> AsyncGenerator[Interaction, None]:
        require(info.context.caller, READERS, "subscribe to interactions")
        async for summary in _applied(info):
            if summary.get("customer_id") == str(customer_id):
                yield await _interaction(info, summary)

    @strawberry.subscription(description="Each friction hit by a customer showing `persona` when it happened.")
    async def friction_detected(self, info: Info, persona: str) -> AsyncGenerator[FrictionDetection, None]:
        require(info.context.caller, READERS, "subscribe to frictions")
        async for summary in _applied(info):
            frictions = summary.get("frictions") or []
            customer_id, ts = summary.get("customer_id"), summary.get("ts")
            if not frictions or not customer_id or ts is None:
                continue
            shown = await info.context.call(reads.current_personas, info.context.store, [customer_id], int(ts))
            if not any(p["persona"] == persona for p in shown.get(customer_id, [])):
                continue
            interaction = await _interaction(info, summary)
            for code in frictions:
                yield FrictionDetection(customer_id=strawberry.ID(customer_id), at=from_ms(ts) or interaction.at,
                                        friction_code=str(code), persona_code=persona, interaction_row=interaction)
