# mypy: disable-error-code="untyped-decorator"
"""The twin's read side: a customer's twin, personas, and the questions frontends ask."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.auth import ADMIN, INGEST, READERS, require
from api.complexity import page_size
from api.context import Info
from api.errors import bad_input
from api.types.analytics import (
    AffectedCustomer,
    Cohort,
    CompetitorCount,
    FeedbackMatch,
    FrictionCount,
    FrictionImpact,
    Funnel,
    FunnelBreakdown,
    FunnelDrop,
    FunnelGroup,
    FunnelStep,
    JourneyMap,
    JourneyPaths,
    JourneyStage,
    KindCount,
    NextStep,
    PathSequence,
    PathStep,
    PathTransition,
    PathVariant,
    RecommendedAction,
    Retention,
    RetentionCell,
    RetentionPeriod,
    StakeholderPosition,
    Stats,
    StepMatcher,
    TouchpointExperience,
)
from api.types.catalog import Persona
from api.types.pagination import PageInfo, decode_cursor, encode_cursor
from api.types.scalars import from_ms, to_ms
from api.types.twin import Customer, CustomerConnection, CustomerEdge
from api.types.viewer import Viewer
from cypher.moments import from_epoch_ms
from graph import reads
from graph.analytics.friction import FrictionImpactRow, friction_to_competitors
from graph.codes import require_known
from graph.ontology import Label
from graph.store import GraphStore, Row


def _period(since: datetime | None, until: datetime | None) -> tuple[int | None, int | None]:
    start, end = to_ms(since), to_ms(until)
    if start is not None and end is not None and start >= end:
        raise bad_input(f"since ({since}) must be before until ({until}).")
    return start, end


async def _known(info: Info, label: Label, code: str | None) -> None:
    """After an empty answer: a mistyped code is a BAD_USER_INPUT naming the closest known codes, not `[]`."""
    await info.context.call(require_known, info.context.store, label, code)


def _persona_code(code: str) -> str:
    if not code.strip():
        raise bad_input("persona: give a persona code such as `trend-seeker` (the `personas` query lists them).")
    return code.strip()


@strawberry.type(description="Read the twin: customers, personas, and the questions about their experience.")
class Query:
    @strawberry.field(description="Who is asking: the caller's role and whether it may read personal data (the "
                                  "dashboard shows its sign-in and personal data by it).")
    def viewer(self, info: Info) -> Viewer:
        caller = require(info.context.caller, frozenset({ADMIN, *READERS, INGEST}), "ask who it is")
        return Viewer(role=caller.role, personal_data=info.context.may_see_pii, open=info.context.app.dev_mode)

    @strawberry.field(description="One customer's twin by id; null when the twin holds no such customer.")
    async def customer(self, info: Info, id: strawberry.ID) -> Customer | None:
        require(info.context.caller, READERS, "read customers")
        row = await info.context.loaders.customers.load(str(id))
        return Customer.of(row) if row else None

    @strawberry.field(description="Customers in id order, a page at a time; with `persona`, only customers showing "
                                  "it at `at` (default now) who did not refuse analytics, so `totalCount` is the "
                                  "persona's `customers`.")
    async def customers(self, info: Info, persona: str | None = None, at: datetime | None = None,
                        first: int | None = 20, after: str | None = None, last: int | None = None,
                        before: str | None = None) -> CustomerConnection:
        require(info.context.caller, READERS, "list customers")
        if last is not None and first == 20:
            first = None
        size = page_size(first, last)
        page = await info.context.call(
            reads.customers_page, info.context.store, persona=persona, at=to_ms(at),
            first=size if last is None else None, after=_customer_key(after, "after"),
            last=size if last is not None else None, before=_customer_key(before, "before"))
        if not page.customers:
            await _known(info, Label.PERSONA, persona)
        edges = [CustomerEdge(cursor=encode_cursor("customer", c["id"]), node=Customer.of(c)) for c in page.customers]
        return CustomerConnection(
            edges=edges, total_count=page.total,
            page_info=PageInfo(has_next_page=page.has_next, has_previous_page=page.has_previous,
                               start_cursor=edges[0].cursor if edges else None,
                               end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="Every persona, by code, with how many customers show it now.")
    async def personas(self, info: Info) -> list[Persona]:
        require(info.context.caller, READERS, "read personas")
        codes = await info.context.call(reads.all_persona_codes, info.context.store)
        rows = await info.context.loaders.personas.load_many(codes)
        return [Persona.of(r) for r in rows if r]

    @strawberry.field(description="One persona by code; null when there is no such persona.")
    async def persona(self, info: Info, code: str) -> Persona | None:
        require(info.context.caller, READERS, "read personas")
        row = await info.context.loaders.personas.load(code)
        return Persona.of(row) if row else None

    @strawberry.field(description="Which frictions lead a persona's customers to competitors: per friction, the "
                                  "customers exposed while showing the persona, how many switched within "
                                  "`windowDays` of their first hit, the rate against the baseline, and where "
                                  "they went.")
    async def friction_to_competitors(self, info: Info, persona: str, window_days: int = 90,
                                      since: datetime | None = None, until: datetime | None = None,
                                      min_exposed: int = 1, limit: int = 10) -> list[FrictionImpact]:
        require(info.context.caller, READERS, "ask frictionToCompetitors")
        start, end = _period(since, until)
        code = _persona_code(persona)

        def answer(store: GraphStore) -> tuple[list[FrictionImpactRow], dict[str, Row], dict[str, Row]]:
            # the rows and the catalog entries they name in one trip to a worker thread: the frictions and
            # competitors are then primed into the loaders instead of costing two more hops each
            rows = friction_to_competitors(store, code, window_days=window_days, since=start, until=end,
                                           min_exposed=min_exposed, limit=limit)
            if not rows:
                require_known(store, Label.PERSONA, code)
            frictions = reads.nodes_by_keys(store, Label.FRICTION_POINT, [r["friction"] for r in rows])
            competitors = reads.nodes_by_keys(store, Label.COMPETITOR,
                                             [c["competitor"] for r in rows for c in r["competitors"]])
            return rows, frictions, competitors

        rows, frictions, competitors = await info.context.call(answer, info.context.store)
        info.context.loaders.frictions.prime_many(dict(frictions))
        info.context.loaders.competitors.prime_many(dict(competitors))
        return [FrictionImpact(
            friction_code=r["friction"], exposed=r["exposed"], switched=r["switched"], rate=r["rate"],
            baseline_rate=r["baselineRate"], lift=r["lift"], ci_low=r["ciLow"], ci_high=r["ciHigh"],
            competitors=[CompetitorCount(competitor_code=c["competitor"], count=c["count"]) for c in r["competitors"]],
        ) for r in rows]

    @strawberry.field(description="The customers behind one frictionToCompetitors row: those who hit `friction` "
                                  "while showing `persona`, switchers first, with where and when they went.")
    async def affected_customers(self, info: Info, persona: str, friction: str, window_days: int = 90,
                                 since: datetime | None = None, until: datetime | None = None,
                                 limit: int = 50) -> list[AffectedCustomer]:
        require(info.context.caller, READERS, "ask affectedCustomers")
        from graph.analytics.affected import affected_customers

        start, end = _period(since, until)
        rows = await info.context.call(affected_customers, info.context.store, _persona_code(persona),
                                       friction.strip(), window_days, start, end, limit)
        if not rows:
            await _known(info, Label.PERSONA, _persona_code(persona))
            await _known(info, Label.FRICTION_POINT, friction.strip())
        return [AffectedCustomer(customer_id=strawberry.ID(r["customer"]),
                                 first_hit=from_epoch_ms(r["firstHit"]),
                                 switched_at=from_ms(r["switchedAt"]), competitor_code=r["competitor"]) for r in rows]

    @strawberry.field(description="A persona's journey map: for each stage, its touchpoints with volume, CSAT, "
                                  "effort, negative share, top frictions and drop-off, over the period.")
    async def journey_map(self, info: Info, persona: str, since: datetime | None = None,
                          until: datetime | None = None) -> JourneyMap:
        require(info.context.caller, READERS, "ask journeyMap")
        from graph.analytics.journey_map import journey_map

        start, end = _period(since, until)
        code = _persona_code(persona)
        stages = await info.context.call(journey_map, info.context.store, code, start, end)
        if not stages:
            await _known(info, Label.PERSONA, code)
        return JourneyMap(persona_code=code, stages=[JourneyStage(stage=s["stage"], touchpoints=[
            TouchpointExperience(
                touchpoint_code=t["touchpoint"], interactions=t["interactions"], customers=t["customers"],
                avg_csat=t["avgCsat"], avg_ces=t["avgCes"], negative_share=t["negativeShare"],
                top_frictions=[FrictionCount(friction_code=f["friction"], count=f["count"]) for f in t["topFrictions"]],
                drop_off=t["dropOff"])
            for t in s["touchpoints"]]) for s in stages])

    @strawberry.field(description="Paths from and to a step: with `start`, what customers do after an event that "
                                  "matches it; with `end`, what leads to one; with both, the paths between them "
                                  "(at most `maxSteps` events); without, whole journeys (process-mining variants).")
    async def journey_paths(self, info: Info, persona: str | None = None, start: StepMatcher | None = None,
                            end: StepMatcher | None = None, max_steps: int = 5, since: datetime | None = None,
                            until: datetime | None = None, limit: int = 10) -> JourneyPaths:
        require(info.context.caller, READERS, "ask journeyPaths")
        from graph.analytics.paths import journey_paths

        first, last = _period(since, until)
        code = None if persona is None else _persona_code(persona)
        paths = await info.context.call(
            journey_paths, info.context.store, code, limit,
            start=None if start is None else start.to_map(), end=None if end is None else end.to_map(),
            max_steps=max_steps, since=first, until=last)
        if not paths["sequences"] and code is not None:
            await _known(info, Label.PERSONA, code)
        return JourneyPaths(
            sequences=[PathSequence(steps=list(s["steps"]), occurrences=s["occurrences"], customers=s["customers"])
                       for s in paths["sequences"]],
            transitions=[PathTransition(source=t["source"], target=t["target"], occurrences=t["occurrences"],
                                        median_ms=t["medianMs"]) for t in paths["transitions"]],
            variants=[PathVariant(touchpoint_codes=list(v["variant"]), journeys=v["journeys"], share=v["share"])
                      for v in paths["variants"]],
            steps=[PathStep(source_code=e["source"], target_code=e["target"], count=e["count"],
                            median_seconds=float(e["medianMs"]) / 1000) for e in paths["edges"]])

    @strawberry.field(description="A funnel over `steps` (2 to 10 step matchers): customers per step within "
                                  "`windowDays` of their entry, conversion from the previous and first step, the "
                                  "median time from entry, an optional breakdown, and the frictions that explain "
                                  "each drop (drop rate against the baseline, lift, Wilson 95% interval).")
    async def funnel(self, info: Info, steps: list[StepMatcher], persona: str | None = None, window_days: int = 14,
                     since: datetime | None = None, until: datetime | None = None,
                     breakdown: FunnelBreakdown | None = None, min_hitters: int = 1, limit: int = 10) -> Funnel:
        require(info.context.caller, READERS, "ask funnel")
        from graph.analytics.funnel import funnel

        first, last = _period(since, until)
        found = await info.context.call(
            funnel, info.context.store, [s.to_map() for s in steps],
            persona=None if persona is None else _persona_code(persona), window_days=window_days, since=first,
            until=last, breakdown=None if breakdown is None else breakdown.value, min_hitters=min_hitters, limit=limit)
        if persona is not None and not found["steps"][0]["customers"]:
            await _known(info, Label.PERSONA, _persona_code(persona))

        def steps_of(rows: list[Any]) -> list[FunnelStep]:
            return [FunnelStep(step=r["step"], customers=r["customers"], from_previous=r["fromPrevious"],
                               from_first=r["fromFirst"], median_ms_from_entry=r["medianMsFromEntry"]) for r in rows]

        return Funnel(
            steps=steps_of(found["steps"]),
            groups=[FunnelGroup(key=g["key"], steps=steps_of(g["steps"])) for g in found["groups"]],
            drops=[FunnelDrop(step=d["step"], friction_code=d["friction"], hitters=d["hitters"],
                              dropped_hitters=d["droppedHitters"], drop_rate=d["dropRate"], baseline=d["baseline"],
                              lift=d["lift"], ci_low=d["ciLow"], ci_high=d["ciHigh"]) for d in found["drops"]])

    @strawberry.field(description="Retention cohorts: customers by the day, ISO week or month of their first "
                                  "`cohortEvent`, and per later period how many were eligible (the period ended by "
                                  "`asOf`) and retained (a `returnEvent` in it).")
    async def retention(self, info: Info, cohort_event: StepMatcher, return_event: StepMatcher,
                        period: RetentionPeriod = RetentionPeriod.WEEK, periods: int = 8,
                        since: datetime | None = None, until: datetime | None = None, persona: str | None = None,
                        as_of: datetime | None = None) -> Retention:
        require(info.context.caller, READERS, "ask retention")
        from graph.analytics.retention import retention

        first, last = _period(since, until)
        found = await info.context.call(
            retention, info.context.store, cohort_event.to_map(), return_event.to_map(), period=period.value,
            periods=periods, since=first, until=last, persona=None if persona is None else _persona_code(persona),
            as_of=to_ms(as_of))
        if persona is not None and not found["cohorts"]:
            await _known(info, Label.PERSONA, _persona_code(persona))
        return Retention(as_of=from_epoch_ms(found["asOf"]), cohorts=[Cohort(
            start=from_epoch_ms(c["start"]), size=c["size"],
            periods=[RetentionCell(n=p["n"], eligible=p["eligible"], retained=p["retained"], rate=p["rate"])
                     for p in c["periods"]]) for c in found["cohorts"]])

    @strawberry.field(description="The customer's most likely next steps (touchpoints, switches, churn), best first.")
    async def next_steps(self, info: Info, customer_id: strawberry.ID, k: int = 3) -> list[NextStep]:
        require(info.context.caller, READERS, "ask nextSteps")
        from graph.prediction import next_steps

        steps = await info.context.call(next_steps, info.context.store, str(customer_id), k)
        return [NextStep(step=s.touchpoint, probability=s.probability) for s in steps]

    @strawberry.field(description="Next-best actions for the customer, given their latest experiences and consents.")
    async def next_best_actions(self, info: Info, customer_id: strawberry.ID) -> list[RecommendedAction]:
        require(info.context.caller, READERS, "ask nextBestActions")
        from graph.actions import next_best_actions

        actions: list[Any] = await info.context.call(next_best_actions, info.context.store, str(customer_id))
        return [RecommendedAction(action_code=_get(a, "action"), reason=str(_get(a, "reason"))) for a in actions]

    @strawberry.field(description="The stakeholder map: each department by support and influence, its quadrant, "
                                  "the touchpoints and frictions it owns, and the switches they led to.")
    async def stakeholder_map(self, info: Info) -> list[StakeholderPosition]:
        require(info.context.caller, READERS, "read the stakeholder map")
        from graph.analytics.stakeholders import stakeholder_map

        rows = await info.context.call(stakeholder_map, info.context.store)
        return [StakeholderPosition(
            stakeholder_code=r["stakeholder"], stakeholder_name=r["name"], support=r["support"],
            influence=r["influence"], quadrant=r["quadrant"], switches=r["switches"],
            touchpoint_codes=list(r["touchpoints"]), friction_codes=list(r["frictions"])) for r in rows]

    @strawberry.field(description="The `k` distinct verbatims closest in meaning to `text` (semantic search), each "
                                  "with its most recent interaction, optionally only those given by customers while "
                                  "showing `persona`. A complaint-like text leaves out verbatims the twin knows as "
                                  "praise.")
    async def similar_feedback(self, info: Info, text: str, k: int = 5,
                               persona: str | None = None) -> list[FeedbackMatch]:
        require(info.context.caller, READERS, "search feedback")
        from graph.feedback import similar_feedback

        if not text.strip():
            raise bad_input("text: give some words to compare the verbatims with.")
        matches = await info.context.call(similar_feedback, info.context.store, info.context.app.embedder(), text,
                                          k, persona)  # an unknown persona is an InputError naming the closest
        return [FeedbackMatch(interaction_id=strawberry.ID(m.interaction_id), text=m.text, score=m.score,
                              customer_id=None if m.customer_id is None else strawberry.ID(m.customer_id),
                              occurrences=m.occurrences)
                for m in matches]

    @strawberry.field(description="How big the twin's graph is: nodes per label and relationships per type.")
    async def stats(self, info: Info) -> Stats:
        require(info.context.caller, READERS, "read stats")
        found = await info.context.call(info.context.store.stats)
        return Stats(store=found["store"], total_nodes=found["total_nodes"],
                     total_relationships=found["total_relationships"],
                     nodes=[KindCount(kind=k, count=v) for k, v in found["nodes"].items()],
                     relationships=[KindCount(kind=k, count=v) for k, v in found["relationships"].items()])

    @strawberry.field(description="Everything the twin holds about one person, personal data included (the right "
                                  "of access); admin only, and audited. Null when the twin holds nothing.")
    async def customer_export(self, info: Info, id: strawberry.ID) -> JSON | None:
        caller = require(info.context.caller, frozenset({ADMIN}), "export a customer's data")
        from graph.privacy import export_customer

        key = await info.context.call(info.context.app.doors.subject_key)
        exported = await info.context.call(export_customer, info.context.store, str(id),
                                           actor=info.context.actor(caller), subject_key=key)
        return JSON(exported) if exported else None


def _customer_key(cursor: str | None, argument: str) -> str | None:
    key = decode_cursor("customer", cursor, argument)
    return None if key is None else str(key)


def _get(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, dict) else getattr(item, name)
