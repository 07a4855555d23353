# mypy: disable-error-code="untyped-decorator"
"""Answers to the twin's questions: frictions that lead to competitors, journey maps and paths, the stakeholder map,
next steps and actions, similar feedback and store statistics. Codes resolve to catalog types via DataLoaders."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from api.context import Info
from api.types.catalog import Action, Competitor, FrictionPoint, Persona, Stakeholder, Touchpoint


@strawberry.type(description="How many customers went to one competitor.")
class CompetitorCount:
    count: int = strawberry.field(description="Customers counted.")
    competitor_code: strawberry.Private[str]

    @strawberry.field(description="The competitor.")
    async def competitor(self, info: Info) -> Competitor:
        return await Competitor.load(info, self.competitor_code)


@strawberry.type(description="One friction's effect on switching for a persona: of the customers exposed to it, how "
                             "many switched to a competitor within the window, against the persona's baseline.")
class FrictionImpact:
    exposed: int = strawberry.field(description="Customers who hit the friction while showing the persona.")
    switched: int = strawberry.field(description="Of those, how many switched within the window after the first hit.")
    rate: float = strawberry.field(description="switched / exposed.")
    baseline_rate: float | None = strawberry.field(
        description="Share of the persona's other customers (not exposed) who switched in the period.")
    lift: float | None = strawberry.field(description="rate / baselineRate (null when the baseline is 0 or unknown).")
    ci_low: float = strawberry.field(description="Lower bound of the Wilson 95% interval of rate.")
    ci_high: float = strawberry.field(description="Upper bound of the Wilson 95% interval of rate.")
    competitors: list[CompetitorCount] = strawberry.field(
        description="Where the switched customers went (earliest switch in the window), most first.")
    friction_code: strawberry.Private[str]

    @strawberry.field(description="The friction point.")
    async def friction(self, info: Info) -> FrictionPoint:
        return await FrictionPoint.load(info, self.friction_code)


@strawberry.type(description="How often a friction was hit at a touchpoint.")
class FrictionCount:
    count: int = strawberry.field(description="Interactions that hit it.")
    friction_code: strawberry.Private[str]

    @strawberry.field(description="The friction point.")
    async def friction(self, info: Info) -> FrictionPoint:
        return await FrictionPoint.load(info, self.friction_code)


@strawberry.type(description="The experience at one touchpoint for a persona.")
class TouchpointExperience:
    interactions: int = strawberry.field(description="Interactions of the persona's customers here.")
    customers: int = strawberry.field(description="Distinct customers.")
    avg_csat: float | None = strawberry.field(description="Mean CSAT (1-5) of those that gave one.")
    avg_ces: float | None = strawberry.field(description="Mean effort score (1-7) of those that gave one.")
    negative_share: float = strawberry.field(description="Share of interactions experienced as negative.")
    top_frictions: list[FrictionCount] = strawberry.field(description="The frictions hit most here.")
    drop_off: float | None = strawberry.field(
        description="Share of journeys that ended here (no later interaction in the same journey).")
    touchpoint_code: strawberry.Private[str]

    @strawberry.field(description="The touchpoint.")
    async def touchpoint(self, info: Info) -> Touchpoint:
        return await Touchpoint.load(info, self.touchpoint_code)


@strawberry.type(description="One stage of a journey map and its touchpoints.")
class JourneyStage:
    stage: str = strawberry.field(description="awareness, consideration, purchase, retention or advocacy.")
    touchpoints: list[TouchpointExperience] = strawberry.field(description="The touchpoints of the stage.")


@strawberry.type(description="A persona's journey map: each stage's touchpoints with emotion, effort and pain points.")
class JourneyMap:
    stages: list[JourneyStage] = strawberry.field(description="Stages in journey order.")
    persona_code: strawberry.Private[str]

    @strawberry.field(description="The persona mapped.")
    async def persona(self, info: Info) -> Persona:
        return await Persona.load(info, self.persona_code)


@strawberry.type(description="A frequent whole-journey path of a persona (a process-mining variant).")
class PathVariant:
    journeys: int = strawberry.field(description="Journeys that followed exactly this path.")
    share: float = strawberry.field(description="Their share of the kept paths.")
    touchpoint_codes: list[str] = strawberry.field(description="The touchpoint codes of the path, in order.")

    @strawberry.field(description="The touchpoints of the path, in order.")
    async def touchpoints(self, info: Info) -> list[Touchpoint]:
        rows = await info.context.loaders.touchpoints.load_many(self.touchpoint_codes)
        return [Touchpoint.of(c, r) for c, r in zip(self.touchpoint_codes, rows, strict=True)]


@strawberry.type(description="How often one touchpoint directly follows another in a persona's journeys.")
class PathStep:
    count: int = strawberry.field(description="Times `target` directly followed `source`.")
    median_seconds: float = strawberry.field(description="Median time between the two steps, in seconds.")
    source_code: strawberry.Private[str]
    target_code: strawberry.Private[str]

    @strawberry.field(description="The earlier touchpoint.")
    async def source(self, info: Info) -> Touchpoint:
        return await Touchpoint.load(info, self.source_code)

    @strawberry.field(description="The touchpoint that followed.")
    async def target(self, info: Info) -> Touchpoint:
        return await Touchpoint.load(info, self.target_code)


@strawberry.type(description="Paths that share one list of step labels (touchpoint codes).")
class PathSequence:
    steps: list[str] = strawberry.field(description="The touchpoint codes of the path's events, in order.")
    occurrences: int = strawberry.field(description="Kept paths with exactly these steps.")
    customers: int = strawberry.field(description="Distinct customers among them.")


@strawberry.type(description="One step of a path directly followed by the next, counted once per kept path.")
class PathTransition:
    source: str = strawberry.field(name="from", description="Touchpoint code of the earlier event.")
    target: str = strawberry.field(name="to", description="Touchpoint code of the event that followed it.")
    occurrences: int = strawberry.field(description="Kept paths holding the pair (overlapping paths each count).")
    median_ms: float | None = strawberry.field(description="Median time between the two events, in ms.")


@strawberry.type(description="Paths from and to a step (or whole journeys): the most frequent step sequences and "
                             "every transition between consecutive steps.")
class JourneyPaths:
    sequences: list[PathSequence] = strawberry.field(
        description="The most frequent step sequences, most first, then by steps (code point order, prefix first).")
    transitions: list[PathTransition] = strawberry.field(
        description="Every transition of the kept paths, most first, then by from and to.")
    variants: list[PathVariant] = strawberry.field(
        description="The sequences as process-mining variants with their share of the kept paths.",
        deprecation_reason="Use `sequences` (occurrences instead of journeys; share = occurrences / kept paths).")
    steps: list[PathStep] = strawberry.field(
        description="Directly-follows edges between touchpoints.",
        deprecation_reason="Use `transitions` (medianMs instead of medianSeconds).")


@strawberry.input(description="Picks events: every given key must equal the interaction's stored value "
                              "(case-sensitive); give at least one key.")
class StepMatcher:
    touchpoint: str | None = strawberry.field(default=None, description="Touchpoint code, e.g. `checkout`.")
    type: str | None = strawberry.field(default=None, description="Event type, e.g. `purchase` or `switch`.")
    stage: str | None = strawberry.field(default=None, description="Journey stage stored with the event.")
    channel: str | None = strawberry.field(default=None, description="Channel code, e.g. `web`.")
    outcome: str | None = strawberry.field(default=None, description="success, failure or abandoned.")

    def to_map(self) -> dict[str, str | None]:
        return {"touchpoint": self.touchpoint, "type": self.type, "stage": self.stage, "channel": self.channel,
                "outcome": self.outcome}


@strawberry.enum(description="How a funnel's customers are grouped.")
class FunnelBreakdown(Enum):
    PERSONA = strawberry.enum_value("PERSONA", description="By every persona the customer is at the entry of their "
                                                           "best attempt (a customer may be in several groups).")
    CHANNEL = strawberry.enum_value("CHANNEL", description="By the channel of the best attempt's entry event.")


@strawberry.enum(description="The length of a retention period.")
class RetentionPeriod(Enum):
    DAY = strawberry.enum_value("DAY", description="UTC-day cohorts, 1-day periods.")
    WEEK = strawberry.enum_value("WEEK", description="ISO-week cohorts (Monday 00:00 UTC), 7-day periods.")
    MONTH = strawberry.enum_value("MONTH", description="Calendar-month cohorts, 30-day periods.")


@strawberry.type(description="One step of a funnel.")
class FunnelStep:
    step: int = strawberry.field(description="The step's position, from 1.")
    customers: int = strawberry.field(description="Customers whose best attempt reached the step.")
    from_previous: float | None = strawberry.field(
        description="customers / customers at the previous step (1 at step 1; null when that is 0).")
    from_first: float | None = strawberry.field(description="customers / customers at step 1 (null when that is 0).")
    median_ms_from_entry: float | None = strawberry.field(
        description="Median ms from the entry to this step's match in the best attempts (null when none reached).")


@strawberry.type(description="A funnel for one breakdown group.")
class FunnelGroup:
    key: str | None = strawberry.field(
        description="Persona or channel code; null for customers who were no persona at entry.")
    steps: list[FunnelStep] = strawberry.field(description="The group's steps.")


@strawberry.type(description="A friction that explains the drop after a step: the drop rate of the customers who hit "
                             "it before the next step against those who did not.")
class FunnelDrop:
    step: int = strawberry.field(description="The step customers dropped after.")
    hitters: int = strawberry.field(description="Customers at the step who hit the friction before the next step "
                                                "(or the window's end).")
    dropped_hitters: int = strawberry.field(description="Of them, those who reached no further step.")
    drop_rate: float = strawberry.field(description="droppedHitters / hitters.")
    baseline: float | None = strawberry.field(
        description="Drop rate of the customers at the step who did not hit it (null when there are none).")
    lift: float | None = strawberry.field(description="dropRate / baseline (null when the baseline is 0 or null).")
    ci_low: float = strawberry.field(description="Lower bound of the Wilson 95% interval of dropRate.")
    ci_high: float = strawberry.field(description="Upper bound of the Wilson 95% interval of dropRate.")
    friction_code: strawberry.Private[str]

    @strawberry.field(description="The friction point.")
    async def friction(self, info: Info) -> FrictionPoint:
        return await FrictionPoint.load(info, self.friction_code)


@strawberry.type(description="A funnel: customers per step, per breakdown group, and why they drop.")
class Funnel:
    steps: list[FunnelStep] = strawberry.field(description="Every step, in order.")
    groups: list[FunnelGroup] = strawberry.field(
        description="One funnel per breakdown key, by key (the null key last); empty without a breakdown.")
    drops: list[FunnelDrop] = strawberry.field(
        description="Per step before the last: the frictions that explain the drop, most dropped hitters first.")


@strawberry.type(description="One period of a retention cohort.")
class RetentionCell:
    n: int = strawberry.field(description="Periods after the cohort's own, from 1.")
    eligible: int = strawberry.field(description="Cohort customers whose period n had ended by asOf.")
    retained: int = strawberry.field(description="Of them, those with a return event in period n.")
    rate: float | None = strawberry.field(description="retained / eligible (null when eligible is 0).")


@strawberry.type(description="Customers whose first cohort event fell in one day, week or month.")
class Cohort:
    start: datetime = strawberry.field(description="The start of the cohort's day, ISO week or calendar month (UTC).")
    size: int = strawberry.field(description="Customers in the cohort.")
    periods: list[RetentionCell] = strawberry.field(description="Periods 1 to `periods`, in order.")


@strawberry.type(description="Retention cohorts and the moment they were computed for.")
class Retention:
    as_of: datetime = strawberry.field(description="The moment used for eligibility: the argument, else the latest "
                                                   "interaction in the twin not after now.")
    cohorts: list[Cohort] = strawberry.field(description="Non-empty cohorts, by start.")


@strawberry.type(description="A stakeholder placed on the support x influence map, with what it owns.")
class StakeholderPosition:
    support: float = strawberry.field(description="Support, 0 to 1.")
    influence: float = strawberry.field(description="Influence, 0 to 1.")
    quadrant: str = strawberry.field(description="champion, supporter, gatekeeper or bystander (threshold 0.5).")
    switches: int = strawberry.field(
        description="Switches to competitors within 90 days of a first hit of the frictions it owns.")
    stakeholder_code: strawberry.Private[str]
    stakeholder_name: strawberry.Private[str | None]
    touchpoint_codes: strawberry.Private[list[str]]
    friction_codes: strawberry.Private[list[str]]

    @strawberry.field(description="The stakeholder.")
    def stakeholder(self) -> Stakeholder:
        return Stakeholder(code=self.stakeholder_code, name=self.stakeholder_name, support=self.support,
                           influence=self.influence)

    @strawberry.field(description="The touchpoints it owns.")
    async def touchpoints(self, info: Info) -> list[Touchpoint]:
        rows = await info.context.loaders.touchpoints.load_many(self.touchpoint_codes)
        return [Touchpoint.of(c, r) for c, r in zip(self.touchpoint_codes, rows, strict=True)]

    @strawberry.field(description="The frictions it owns or that occur at its touchpoints, most switches first.")
    async def frictions(self, info: Info) -> list[FrictionPoint]:
        return await FrictionPoint.load_many(info, self.friction_codes)


@strawberry.type(description="A customer behind a frictionToCompetitors row: when they first hit the friction while "
                             "showing the persona, and where and when they switched within the window.")
class AffectedCustomer:
    customer_id: strawberry.ID = strawberry.field(description="The customer's id.")
    first_hit: datetime = strawberry.field(description="Their first hit of the friction while showing the persona.")
    switched_at: datetime | None = strawberry.field(
        description="Their earliest switch in (firstHit, firstHit + windowDays]; null when they stayed.")
    competitor_code: strawberry.Private[str | None]

    @strawberry.field(description="The competitor of that switch; null when they stayed.")
    async def competitor(self, info: Info) -> Competitor | None:
        return None if self.competitor_code is None else await Competitor.load(info, self.competitor_code)


@strawberry.type(description="A likely next step of a customer, from the persona-aware Markov model of journeys.")
class NextStep:
    probability: float = strawberry.field(description="Probability of this step being next.")
    step: str = strawberry.field(
        description="The step's code: a touchpoint code, `switch:<competitor>` or `churn`.")

    @strawberry.field(description="The touchpoint (for switch and churn steps, a touchpoint named by the step code).")
    async def touchpoint(self, info: Info) -> Touchpoint:
        return await Touchpoint.load(info, self.step)

    @strawberry.field(description="The competitor, when the step is a switch.")
    async def competitor(self, info: Info) -> Competitor | None:
        if not self.step.startswith("switch:"):
            return None
        return await Competitor.load(info, self.step.removeprefix("switch:"))


@strawberry.type(description="A next-best action for a customer, with why it is suggested.")
class RecommendedAction:
    reason: str = strawberry.field(description="Why this action, in words.")
    action_code: strawberry.Private[str]

    @strawberry.field(description="The action.")
    async def action(self, info: Info) -> Action:
        return await Action.load(info, self.action_code)


@strawberry.type(description="A verbatim close in meaning to the text searched for.")
class FeedbackMatch:
    interaction_id: strawberry.ID = strawberry.field(description="The most recent interaction that carried the "
                                                                 "verbatim.")
    text: str = strawberry.field(description="The verbatim (each text once in an answer).")
    score: float = strawberry.field(description="Cosine similarity to the searched text, -1 to 1.")
    customer_id: strawberry.ID | None = strawberry.field(description="The customer who gave it most recently.")
    occurrences: int = strawberry.field(default=1, description="How many interactions carried this same text.")


@strawberry.type(description="How many of one kind of node or relationship the graph holds.")
class KindCount:
    kind: str = strawberry.field(description="Node label or relationship type.")
    count: int = strawberry.field(description="How many there are.")


@strawberry.type(description="Size of the twin's graph.")
class Stats:
    store: str = strawberry.field(description="The engine: falkordb or neo4j.")
    total_nodes: int = strawberry.field(description="All nodes of the ontology's labels.")
    total_relationships: int = strawberry.field(description="All relationships of the ontology's types.")
    nodes: list[KindCount] = strawberry.field(description="Nodes per label.")
    relationships: list[KindCount] = strawberry.field(description="Relationships per type.")
