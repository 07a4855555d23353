# mypy: disable-error-code="untyped-decorator"
"""Answers to the twin's questions: frictions that lead to competitors, journey maps and paths, the stakeholder map,
next steps and actions, similar feedback and store statistics. Codes resolve to catalog types via DataLoaders."""

from __future__ import annotations

from datetime import datetime

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
    share: float = strawberry.field(description="Their share of the persona's journeys.")
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


@strawberry.type(description="A persona's journey paths: the most frequent variants and the directly-follows graph.")
class JourneyPaths:
    variants: list[PathVariant] = strawberry.field(description="The most frequent whole-journey paths, most first.")
    steps: list[PathStep] = strawberry.field(description="Directly-follows edges between touchpoints.")


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
