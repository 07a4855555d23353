# mypy: disable-error-code="untyped-decorator"
"""The customer twin: a customer with its personas over time, journeys of interactions, frictions, switches to
competitors, consents and (for callers allowed to see it) personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.complexity import page_size
from api.context import Info
from api.types.catalog import Channel, Competitor, FrictionPoint, Persona, Touchpoint
from api.types.pagination import PageInfo, decode_cursor, encode_cursor
from api.types.scalars import from_ms, to_ms
from graph.reads import JourneyPageRequest
from graph.store import Row


@strawberry.type(description="A customer showing a persona, with the weight and the interval it holds for.")
class PersonaAssignment:
    weight: float = strawberry.field(description="How strongly the customer shows the persona, 0 to 1.")
    since: datetime | None = strawberry.field(description="From when it holds (open when null).")
    until: datetime | None = strawberry.field(description="Until when it holds, exclusive (open when null).")
    source: str | None = strawberry.field(description="`declared`, `rule:<name>` or `model:<name>`.")
    persona_code: strawberry.Private[str]

    @strawberry.field(description="The persona shown.")
    async def persona(self, info: Info) -> Persona:
        return await Persona.load(info, self.persona_code)

    @classmethod
    def of(cls, row: Row) -> PersonaAssignment:
        return cls(weight=float(row["weight"]), since=from_ms(row.get("since")), until=from_ms(row.get("until")),
                   source=row.get("source"), persona_code=row["persona"])


@strawberry.type(description="One interaction of a customer at a touchpoint (one event).")
class Interaction:
    id: strawberry.ID = strawberry.field(description="The event id.")
    at: datetime = strawberry.field(description="When it happened.")
    type: str = strawberry.field(description="view, search, purchase, feedback, complaint, support, switch, churn, …")
    outcome: str | None = strawberry.field(description="success, failure or abandoned.")
    experience: str | None = strawberry.field(description="How the moment was experienced: negative, met, exceeded.")
    csat: float | None = strawberry.field(description="Customer satisfaction, 1 to 5.")
    ces: float | None = strawberry.field(description="Customer effort, 1 (easy) to 7 (hard).")
    nps: int | None = strawberry.field(description="Likelihood to recommend, 0 to 10.")
    sentiment: float | None = strawberry.field(description="Sentiment of the verbatim, -1 to 1.")
    text: str | None = strawberry.field(description="Verbatim feedback, when given.")
    value: float | None = strawberry.field(description="Monetary value (purchases).")
    currency: str | None = strawberry.field(description="ISO 4217 currency of the value.")
    stage: str | None = strawberry.field(description="Journey stage of the interaction.")
    customer_id: strawberry.ID | None = strawberry.field(description="The customer who interacted.")
    touchpoint_code: strawberry.Private[str]
    channel_code: strawberry.Private[str]
    friction_codes: strawberry.Private[list[str]]
    competitor_code: strawberry.Private[str | None]

    @strawberry.field(description="Where it happened.")
    async def touchpoint(self, info: Info) -> Touchpoint:
        return await Touchpoint.load(info, self.touchpoint_code)

    @strawberry.field(description="The channel it happened on.")
    async def channel(self, info: Info) -> Channel:
        return Channel.of(self.channel_code, await info.context.loaders.channels.load(self.channel_code))

    @strawberry.field(description="The frictions this interaction hit.")
    async def frictions(self, info: Info) -> list[FrictionPoint]:
        return await FrictionPoint.load_many(info, self.friction_codes)

    @strawberry.field(description="The competitor the customer left for (switch events).")
    async def competitor(self, info: Info) -> Competitor | None:
        return await Competitor.load(info, self.competitor_code) if self.competitor_code else None

    @classmethod
    def of(cls, row: Row) -> Interaction:
        nps = row.get("nps")
        return cls(
            id=strawberry.ID(row["id"]), at=from_ms(row["ts"]) or datetime.min, type=str(row.get("type") or ""),
            outcome=row.get("outcome"), experience=row.get("experience"), csat=_float(row.get("csat")),
            ces=_float(row.get("ces")), nps=None if nps is None else int(nps), sentiment=_float(row.get("sentiment")),
            text=row.get("text"), value=_float(row.get("value")), currency=row.get("currency"),
            stage=row.get("stage"), customer_id=row.get("customer_id"), touchpoint_code=str(row.get("touchpoint")),
            channel_code=str(row.get("channel")), friction_codes=list(row.get("frictions") or []),
            competitor_code=row.get("competitor"))


@strawberry.type(description="A journey: a customer's interactions of one session, or of one spell of activity.")
class Journey:
    id: strawberry.ID = strawberry.field(description="customer id + ':' + first event id (or ':s:' + session id).")
    started_at: datetime = strawberry.field(description="Time of the first interaction.")
    ended_at: datetime = strawberry.field(description="Time of the last interaction.")
    size: int = strawberry.field(description="Number of interactions.")
    session_id: str | None = strawberry.field(description="The session that grouped the events, when there was one.")

    @strawberry.field(description="The interactions in journey order.")
    async def interactions(self, info: Info) -> list[Interaction]:
        return [Interaction.of(r) for r in await info.context.loaders.interactions_of_journey.load(str(self.id))]

    @classmethod
    def of(cls, row: Row) -> Journey:
        started = from_ms(row.get("start_ts")) or datetime.min
        return cls(id=strawberry.ID(row["id"]), started_at=started, ended_at=from_ms(row.get("end_ts")) or started,
                   size=int(row.get("size") or 0), session_id=row.get("session_id"))


@strawberry.type(description="A journey and its cursor.")
class JourneyEdge:
    cursor: str = strawberry.field(description="Opaque position of this journey in the list.")
    node: Journey = strawberry.field(description="The journey.")


@strawberry.type(description="A page of a customer's journeys (Relay connection).")
class JourneyConnection:
    edges: list[JourneyEdge] = strawberry.field(description="The journeys of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    total_count: int = strawberry.field(description="How many journeys the customer has in all.")


@strawberry.type(description="A customer's switch to a competitor.")
class CompetitorSwitch:
    at: datetime = strawberry.field(description="When the customer switched.")
    event_id: strawberry.ID | None = strawberry.field(description="The switch event.")
    competitor_code: strawberry.Private[str]

    @strawberry.field(description="Whom the customer switched to.")
    async def competitor(self, info: Info) -> Competitor:
        return await Competitor.load(info, self.competitor_code)


@strawberry.type(description="A customer's consent decision for one purpose; the latest per purpose counts.")
class Consent:
    purpose: str = strawberry.field(description="marketing, personalization, analytics, profiling, service, …")
    granted: bool = strawberry.field(description="Whether the customer allows it.")
    at: datetime | None = strawberry.field(description="When the decision was made.")
    source: str | None = strawberry.field(description="Where the decision came from.")

    @classmethod
    def of(cls, row: Row) -> Consent:
        return cls(purpose=str(row["purpose"]), granted=bool(row["granted"]), at=from_ms(row.get("ts")),
                   source=row.get("source"))


@strawberry.type(description="A customer's digital twin: who they are to the organisation, what they did and felt.")
class Customer:
    id: strawberry.ID = strawberry.field(description="The customer id.")
    attributes: JSON = strawberry.field(description="Non-personal descriptors (segment, tier, age band, …).")
    merged_into: strawberry.ID | None = strawberry.field(
        description="When identity resolution merged this customer into another, the survivor's id.")

    @strawberry.field(description="The personas the customer shows at `at` (default now), heaviest first; "
                                  "see personaHistory for all of them over time.")
    async def personas(self, info: Info, at: datetime | None = None) -> list[PersonaAssignment]:
        rows = await info.context.loaders.current_personas.load((str(self.id), to_ms(at)))
        return [PersonaAssignment.of(r) for r in rows]

    @strawberry.field(description="Every persona assignment the customer ever had, in time order.")
    async def persona_history(self, info: Info) -> list[PersonaAssignment]:
        return [PersonaAssignment.of(r) for r in await info.context.loaders.persona_history.load(str(self.id))]

    @strawberry.field(description="CX CORE relationship stage: start, forward, backward or stop.")
    async def relationship_stage(self, info: Info) -> str | None:
        return await info.context.loaders.relationship_stages.load(str(self.id))

    @strawberry.field(description="The customer's journeys, oldest first (or newest first), a page at a time. "
                                  "Page forward with first/after or backward with last/before; first is at most 200.")
    async def journeys(self, info: Info, first: int | None = 20, after: str | None = None, last: int | None = None,
                       before: str | None = None, newest_first: bool = False) -> JourneyConnection:
        if last is not None and first == 20:
            first = None  # `first` has a default; asking for `last` means paging backwards
        size = page_size(first, last)
        request = JourneyPageRequest(
            first=size if last is None else None, after=_journey_key(after, "after"),
            last=size if last is not None else None, before=_journey_key(before, "before"),
            newest_first=newest_first)
        page = await info.context.loaders.journeys.load((str(self.id), request))
        edges = [JourneyEdge(cursor=encode_cursor("journey", [j.get("start_ts"), j["id"]]), node=Journey.of(j))
                 for j in page.journeys]
        return JourneyConnection(
            edges=edges, total_count=page.total,
            page_info=PageInfo(has_next_page=page.has_next, has_previous_page=page.has_previous,
                               start_cursor=edges[0].cursor if edges else None,
                               end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="The distinct frictions the customer's interactions hit, by code.")
    async def frictions(self, info: Info) -> list[FrictionPoint]:
        return await FrictionPoint.load_many(info, await info.context.loaders.customer_frictions.load(str(self.id)))

    @strawberry.field(description="The customer's switches to competitors, in time order.")
    async def switched_to(self, info: Info) -> list[CompetitorSwitch]:
        return [CompetitorSwitch(at=from_ms(r["ts"]) or datetime.min, event_id=r.get("event_id"),
                                 competitor_code=r["competitor"])
                for r in await info.context.loaders.switches.load(str(self.id))]

    @strawberry.field(description="Every consent decision, by purpose, newest first within a purpose.")
    async def consents(self, info: Info) -> list[Consent]:
        return [Consent.of(r) for r in await info.context.loaders.consents.load(str(self.id))]

    @strawberry.field(description="Personal data (name, email, …): null unless the caller's role may see it (admin); "
                                  "every read is in the audit trail.")
    async def pii(self, info: Info) -> JSON | None:
        if not info.context.may_see_pii:
            return None
        found: dict[str, Any] | None = await info.context.loaders.pii.load(str(self.id))
        return None if found is None else JSON(found)

    @classmethod
    def of(cls, row: Row) -> Customer:
        return cls(id=strawberry.ID(row["id"]), attributes=JSON(row.get("attributes") or {}),
                   merged_into=row.get("merged_into"))


@strawberry.type(description="A customer and its cursor.")
class CustomerEdge:
    cursor: str = strawberry.field(description="Opaque position of this customer in the list.")
    node: Customer = strawberry.field(description="The customer.")


@strawberry.type(description="A page of customers in id order (Relay connection).")
class CustomerConnection:
    edges: list[CustomerEdge] = strawberry.field(description="The customers of this page.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    total_count: int = strawberry.field(description="How many customers match in all.")


def _journey_key(cursor: str | None, argument: str) -> tuple[int, str] | None:
    key = decode_cursor("journey", cursor, argument)
    if key is None:
        return None
    ts, journey_id = key
    return int(ts or 0), str(journey_id)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
