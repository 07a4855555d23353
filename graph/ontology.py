"""The twin's ontology as data: node labels with their key and properties, relationship types, indexes.

Everything that writes Cypher takes labels, relationship types and property names from here, never from input.
Timestamps are epoch milliseconds (int) on both engines. Personal data lives only in `Customer.pii_*` properties
and in hashed `Identity` keys, so erasure and redaction have one place to look.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Label(StrEnum):
    CUSTOMER = "Customer"
    IDENTITY = "Identity"
    PERSONA = "Persona"
    INSIGHT = "Insight"
    CHANNEL = "Channel"
    TOUCHPOINT = "Touchpoint"
    STAGE = "Stage"
    INTERACTION = "Interaction"
    JOURNEY = "Journey"
    FRICTION_POINT = "FrictionPoint"
    TRIGGER_EVENT = "TriggerEvent"
    ACTION = "Action"
    COMPETITOR = "Competitor"
    STAKEHOLDER = "Stakeholder"
    PRODUCT = "Product"
    CONSENT = "Consent"
    EMBEDDING = "Embedding"
    AUDIT_ENTRY = "AuditEntry"
    SUPPRESSION = "Suppression"
    # the live state's counters (docs/graph-model.md "Live state"), one node per key
    PERSONA_STAT = "PersonaStat"
    FRICTION_STAT = "FrictionStat"
    COMPETITOR_STAT = "CompetitorStat"
    MAP_STAT = "MapStat"
    MAP_FRICTION_STAT = "MapFrictionStat"
    CHANNEL_STAT = "ChannelStat"
    PATH_SCOPE_STAT = "PathScopeStat"
    PATH_STAT = "PathStat"
    TRANSITION_STAT = "TransitionStat"
    GAP_BUCKET = "GapBucket"
    TIMELINE = "Timeline"
    STATE_REPAIR = "StateRepair"
    ACCOUNT = "Account"


class Rel(StrEnum):
    IDENTIFIES = "IDENTIFIES"  # (Identity)->(Customer)
    SHOWS = "SHOWS"  # (Customer)->(Persona) {weight, since, until, source}
    HAS_INSIGHT = "HAS_INSIGHT"  # (Persona)->(Insight)
    PERFORMED = "PERFORMED"  # (Customer)->(Interaction)
    AT = "AT"  # (Interaction)->(Touchpoint)
    ON = "ON"  # (Touchpoint)->(Channel)
    IN_STAGE = "IN_STAGE"  # (Touchpoint)->(Stage)
    TOOK = "TOOK"  # (Customer)->(Journey)
    INCLUDES = "INCLUDES"  # (Journey)->(Interaction) {seq}
    NEXT = "NEXT"  # (Interaction)->(Interaction), within a journey, time order
    HIT = "HIT"  # (Interaction)->(FrictionPoint)
    OCCURS_AT = "OCCURS_AT"  # (FrictionPoint)->(Touchpoint)
    TRIGGERED = "TRIGGERED"  # (Interaction)->(TriggerEvent) {experience}
    SUGGESTS = "SUGGESTS"  # (TriggerEvent)->(Action) {when}
    ABOUT = "ABOUT"  # (Interaction)->(Product)
    SWITCHED_TO = "SWITCHED_TO"  # (Customer)->(Competitor) {ts, event_id}
    OWNS = "OWNS"  # (Stakeholder)->(Touchpoint | FrictionPoint)
    GAVE = "GAVE"  # (Customer)->(Consent)
    EMBEDS = "EMBEDS"  # (Embedding)->(Interaction | Persona | Insight | FrictionPoint)
    ACTIVE_AS = "ACTIVE_AS"  # (Customer)->(Persona) {first_ts, first_event}: live state
    EXPOSED_TO = "EXPOSED_TO"  # (Customer)->(FrictionPoint) {persona, first_hit, ..., competitor}: live state
    MEMBER_OF = "MEMBER_OF"  # (Customer)->(Account) {since}, from Segment group calls
    HAS_TIMELINE = "HAS_TIMELINE"  # (Customer)->(Timeline): live state


STAGES: tuple[str, ...] = ("awareness", "consideration", "purchase", "retention", "advocacy")
EXPERIENCES: tuple[str, ...] = ("negative", "met", "exceeded")
RELATIONSHIP_STAGES: tuple[str, ...] = ("start", "forward", "backward", "stop")
PII_PREFIX = "pii_"


@dataclass(frozen=True)
class NodeType:
    label: Label
    key: str | None
    properties: tuple[str, ...]
    indexed: tuple[str, ...] = field(default=())
    description: str = ""


NODE_TYPES: tuple[NodeType, ...] = (
    NodeType(
        Label.CUSTOMER, "id",
        ("id", "relationship_stage", "attributes", "created_ts", "updated_ts", "anonymized", "merged_into",
         "refused", "trait_ts", "stage", "stage_reason", "latest_trigger", "latest_outcome", "latest_trigger_ts",
         "latest_trigger_event"),
        description="A person the organisation serves. `pii_*` properties hold personal data; "
        "`attributes` is a JSON object of non-personal descriptors; `refused` (derived from the Consent history, "
        "rewritten by every consent writer) lists the purposes whose latest decision refuses them; `trait_ts` (JSON: "
        "trait name -> epoch ms, no values) says when each trait a dated message (Segment identify) set was set. "
        "`stage`, `stage_reason` and `latest_*` are live state (docs/graph-model.md).",
    ),
    NodeType(Label.IDENTITY, "key", ("key", "kind", "hash"),
             description="An identifier seen with events: key = kind + ':' + keyed hash of the normalised value."),
    NodeType(Label.PERSONA, "code", ("code", "name", "description", "goals", "pains", "auto")),
    NodeType(Label.INSIGHT, "id", ("id", "persona", "quadrant", "text"),
             description="An empathy-map entry; quadrant is think, feel, say or do."),
    NodeType(Label.CHANNEL, "code", ("code", "name", "kind", "auto")),
    NodeType(Label.TOUCHPOINT, "code", ("code", "name", "channel", "stage", "owner", "auto")),
    NodeType(Label.STAGE, "name", ("name", "order")),
    NodeType(
        Label.INTERACTION, "id",
        ("id", "ts", "type", "customer_id", "journey_id", "session_id", "channel", "touchpoint", "stage",
         "outcome", "experience", "csat", "ces", "nps", "sentiment", "text", "value", "currency",
         "frictions", "trigger", "competitor", "product", "attributes"),
        indexed=("ts", "customer_id"),
        description="One event (id = event_id). Codes are denormalised beside the relationships so questions "
        "filter without extra hops; `frictions` is the list of friction codes hit.",
    ),
    NodeType(Label.JOURNEY, "id", ("id", "customer_id", "session_id", "start_ts", "end_ts", "size", "stage"),
             indexed=("customer_id",)),
    NodeType(Label.FRICTION_POINT, "code", ("code", "name", "description", "touchpoint", "owner", "auto")),
    NodeType(Label.TRIGGER_EVENT, "code", ("code", "name", "description", "auto")),
    NodeType(Label.ACTION, "code", ("code", "name", "kind", "trigger", "when", "description", "purpose")),
    NodeType(Label.COMPETITOR, "code", ("code", "name", "auto")),
    NodeType(Label.STAKEHOLDER, "code", ("code", "name", "support", "influence", "concerns")),
    NodeType(Label.PRODUCT, "code", ("code", "name", "auto")),
    NodeType(Label.CONSENT, "id", ("id", "customer_id", "purpose", "granted", "ts", "source", "actor"),
             indexed=("customer_id",)),
    NodeType(Label.EMBEDDING, "hash", ("hash", "model", "vector"),
             description="One distinct text embedded once (hash = sha256 of model + text); the text itself stays "
             "on the node it came from, so erasing that node's text leaves nothing readable here."),
    NodeType(Label.AUDIT_ENTRY, "id", ("id", "ts", "actor", "action", "subject", "detail"), indexed=("ts",)),
    NodeType(Label.SUPPRESSION, "key", ("key", "kind", "subject", "ts"), indexed=("subject",),
             description="A customer id or identity of an erased person that ingest drops from then on: key = a "
             "keyed hash (`customer:…` is the audit trail's customer_ref, `identity:…` a keyed hash of Identity.key), "
             "subject = the erased person's customer_ref. No personal data."),
    # live state counters: `key` is the JSON text of the identifying properties (docs/graph-model.md "Live state")
    NodeType(Label.PERSONA_STAT, "key", ("key", "persona", "customers", "switchers")),
    NodeType(Label.FRICTION_STAT, "key", ("key", "persona", "friction", "exposed", "switched", "exposed_switchers"),
             indexed=("persona",)),
    NodeType(Label.COMPETITOR_STAT, "key", ("key", "persona", "friction", "competitor", "customers"),
             indexed=("persona",)),
    NodeType(Label.MAP_STAT, "key",
             ("key", "persona", "stage", "touchpoint", "interactions", "customers", "journeys", "drops", "csat_sum",
              "csat_count", "ces_sum", "ces_count", "negatives"), indexed=("persona",)),
    NodeType(Label.MAP_FRICTION_STAT, "key", ("key", "persona", "stage", "touchpoint", "friction", "hits"),
             indexed=("persona",)),
    NodeType(Label.CHANNEL_STAT, "key",
             ("key", "channel", "interactions", "customers", "csat_sum", "csat_count", "ces_sum", "ces_count",
              "nps_sum", "nps_count", "promoters", "detractors", "negatives", "failures", "friction_hits")),
    NodeType(Label.PATH_SCOPE_STAT, "key", ("key", "scope", "persona", "journeys")),
    NodeType(Label.PATH_STAT, "key", ("key", "scope", "persona", "steps", "journeys", "customers", "tier"),
             indexed=("scope", "tier")),
    NodeType(Label.TRANSITION_STAT, "key",
             ("key", "scope", "persona", "from_touchpoint", "to_touchpoint", "occurrences", "gap_counts",
              "gap_groups"), indexed=("scope",)),
    NodeType(Label.GAP_BUCKET, "key", ("key", "scope", "from_touchpoint", "to_touchpoint", "bucket", "gaps")),
    NodeType(Label.TIMELINE, None, ("ts", "channels", "frictions"),
             description="Live state: one per customer with interactions, its events in (ts, event_id) order as "
             "lists: `ts`, `channels`, the `frictions` hit, and per value of a step matcher's key or friction "
             "(`touchpoint=checkout`, `friction=long_wait`) the positions of the events holding it "
             "(docs/graph-model.md \"Facts\")."),
    NodeType(Label.STATE_REPAIR, "id", ("id", "customers", "contribution", "ts"),
             description="A repair of the live state in progress: the old contribution of `customers` to the "
             "counters (JSON text), finished by the next writer after a crash."),
    NodeType(Label.ACCOUNT, "id", ("id", "attributes", "trait_ts", "created_ts", "updated_ts"),
             description="A business account (B2B) customers are members of, from Segment `group` calls: "
             "`attributes` is a JSON object of the group's traits, each the value of its latest call (`trait_ts`: "
             "when each was set)."),
)

EMBEDDING_VECTOR_PROPERTY = "vector"
