# mypy: disable-error-code="untyped-decorator"
"""The organisation's side of the twin: personas, channels, touchpoints, frictions, stakeholders, competitors and
actions, as views of catalog nodes. References between them resolve through the request's DataLoaders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from api.context import Info
from api.types.scalars import to_ms
from graph.store import Row


def _text(row: Row, name: str) -> str | None:
    value = row.get(name)
    return None if value is None else str(value)


@strawberry.type(description="A department or team that owns touchpoints and frictions (the stakeholder map).")
class Stakeholder:
    code: str = strawberry.field(description="Stable code of the stakeholder, e.g. `salon_ops`.")
    name: str | None = strawberry.field(description="Display name.")
    support: float | None = strawberry.field(description="Support for customer-experience work, 0 to 1.")
    influence: float | None = strawberry.field(description="Influence on customer-experience decisions, 0 to 1.")

    @classmethod
    def of(cls, code: str, row: Row | None) -> Stakeholder:
        row = row or {}
        return cls(code=code, name=_text(row, "name"), support=row.get("support"), influence=row.get("influence"))


@strawberry.type(description="A channel customers interact through (web, mobile app, salon, call center, …).")
class Channel:
    code: str = strawberry.field(description="Stable code of the channel, e.g. `web`.")
    name: str | None = strawberry.field(description="Display name.")
    kind: str | None = strawberry.field(description="`digital` or `physical`.")

    @classmethod
    def of(cls, code: str, row: Row | None) -> Channel:
        row = row or {}
        return cls(code=code, name=_text(row, "name"), kind=_text(row, "kind"))


@strawberry.type(description="A point of interaction on a channel, in a journey stage, owned by a stakeholder.")
class Touchpoint:
    code: str = strawberry.field(description="Stable code of the touchpoint, e.g. `checkout`.")
    name: str | None = strawberry.field(description="Display name.")
    stage: str | None = strawberry.field(
        description="Journey stage: awareness, consideration, purchase, retention or advocacy.")
    channel_code: strawberry.Private[str | None]
    owner_code: strawberry.Private[str | None]

    @strawberry.field(description="The channel the touchpoint is on.")
    async def channel(self, info: Info) -> Channel | None:
        if not self.channel_code:
            return None
        return Channel.of(self.channel_code, await info.context.loaders.channels.load(self.channel_code))

    @strawberry.field(description="The stakeholder who owns the touchpoint.")
    async def owner(self, info: Info) -> Stakeholder | None:
        if not self.owner_code:
            return None
        return Stakeholder.of(self.owner_code, await info.context.loaders.stakeholders.load(self.owner_code))

    @classmethod
    def of(cls, code: str, row: Row | None) -> Touchpoint:
        row = row or {}
        return cls(code=code, name=_text(row, "name"), stage=_text(row, "stage"), channel_code=_text(row, "channel"),
                   owner_code=_text(row, "owner"))

    @staticmethod
    async def load(info: Info, code: str) -> Touchpoint:
        return Touchpoint.of(code, await info.context.loaders.touchpoints.load(code))


@strawberry.type(description="A pain point customers hit, traced to the touchpoint where it occurs and its owner.")
class FrictionPoint:
    code: str = strawberry.field(description="Stable code of the friction, e.g. `long_wait`.")
    name: str | None = strawberry.field(description="Display name.")
    description: str | None = strawberry.field(description="What the friction is, and its root cause when known.")
    touchpoint_code: strawberry.Private[str | None]
    owner_code: strawberry.Private[str | None]

    @strawberry.field(description="The stakeholder who owns fixing this friction.")
    async def owner(self, info: Info) -> Stakeholder | None:
        if not self.owner_code:
            return None
        return Stakeholder.of(self.owner_code, await info.context.loaders.stakeholders.load(self.owner_code))

    @strawberry.field(description="The touchpoint where this friction occurs.")
    async def touchpoint(self, info: Info) -> Touchpoint | None:
        if not self.touchpoint_code:
            return None
        return await Touchpoint.load(info, self.touchpoint_code)

    @classmethod
    def of(cls, code: str, row: Row | None) -> FrictionPoint:
        row = row or {}
        return cls(code=code, name=_text(row, "name"), description=_text(row, "description"),
                   touchpoint_code=_text(row, "touchpoint"), owner_code=_text(row, "owner"))

    @staticmethod
    async def load(info: Info, code: str) -> FrictionPoint:
        return FrictionPoint.of(code, await info.context.loaders.frictions.load(code))

    @staticmethod
    async def load_many(info: Info, codes: list[str]) -> list[FrictionPoint]:
        rows = await info.context.loaders.frictions.load_many(codes)
        return [FrictionPoint.of(code, row) for code, row in zip(codes, rows, strict=True)]


@strawberry.type(description="A competitor customers switch to.")
class Competitor:
    code: str = strawberry.field(description="Stable code of the competitor, e.g. `glamco`.")
    name: str | None = strawberry.field(description="Display name.")

    @staticmethod
    async def load(info: Info, code: str) -> Competitor:
        row = await info.context.loaders.competitors.load(code) or {}
        return Competitor(code=code, name=_text(row, "name"))


@strawberry.type(description="A next-best action the organisation can take (service, product, content or contact).")
class Action:
    code: str = strawberry.field(description="Stable code of the action, e.g. `stylist_consult`.")
    name: str | None = strawberry.field(description="What the action is.")
    kind: str | None = strawberry.field(description="service, product, content or contact.")
    description: str | None = strawberry.field(description="Longer explanation of the action.")
    purpose: str | None = strawberry.field(
        description="The consent purpose the action needs (`marketing` for product/content, else `service`).")

    @staticmethod
    async def load(info: Info, code: str) -> Action:
        row = await info.context.loaders.actions.load(code) or {}
        return Action(code=code, name=_text(row, "name"), kind=_text(row, "kind"),
                      description=_text(row, "description"), purpose=_text(row, "purpose"))


@strawberry.type(description="One entry of a persona's empathy map.")
class Insight:
    quadrant: str = strawberry.field(description="think, feel, say or do.")
    text: str = strawberry.field(description="The quote or observation.")


@strawberry.type(description="A persona: an archetype customers show, one or several at a time, changing over time.")
class Persona:
    code: str = strawberry.field(description="Stable code of the persona, e.g. `trend-seeker`.")
    name: str | None = strawberry.field(description="Display name.")
    description: str | None = strawberry.field(description="Who this persona is.")
    goals: list[str] = strawberry.field(description="What customers of this persona want to achieve.")
    pains: list[str] = strawberry.field(description="What gets in their way.")

    @strawberry.field(description="How many customers show this persona at `at` (default now) with weight > 0.")
    async def customers(self, info: Info, at: datetime | None = None) -> int:
        return await info.context.loaders.persona_customers.load((self.code, to_ms(at)))

    @strawberry.field(description="The empathy map (think / feel / say / do), by quadrant.")
    async def insights(self, info: Info, quadrant: str | None = None) -> list[Insight]:
        rows = await info.context.loaders.insights.load(self.code)
        return [Insight(quadrant=r["quadrant"], text=r["text"]) for r in rows
                if quadrant is None or r["quadrant"] == quadrant]

    @classmethod
    def of(cls, row: Row) -> Persona:
        return cls(code=row["code"], name=_text(row, "name"), description=_text(row, "description"),
                   goals=_strings(row.get("goals")), pains=_strings(row.get("pains")))

    @staticmethod
    async def load(info: Info, code: str) -> Persona:
        row = await info.context.loaders.personas.load(code)
        return Persona.of(row) if row else Persona(code=code, name=None, description=None, goals=[], pains=[])


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []
