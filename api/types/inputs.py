"""What the mutations take and give back: the event contract as an input type, consent and erasure results."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON


@strawberry.input(description="One interaction event (the event contract of contracts/event.schema.json).")
class EventInput:
    event_id: str = strawberry.field(description="Idempotency key: recording the same event id twice changes nothing.")
    ts: datetime = strawberry.field(description="When it happened, RFC 3339 with an offset.")
    channel: str = strawberry.field(description="Channel code, e.g. web, mobile_app, store, call_center.")
    touchpoint: str = strawberry.field(description="Touchpoint code, e.g. product_page, checkout.")
    type: str = strawberry.field(description="Event type: view, purchase, feedback, complaint, switch, churn, …")
    customer_id: str | None = strawberry.field(default=None, description="The customer, when known.")
    identities: JSON | None = strawberry.field(
        default=None, description="Identifiers seen with the event ({email, phone, device_id, …}); stored hashed.")
    session_id: str | None = strawberry.field(default=None, description="Explicit journey key.")
    stage: str | None = strawberry.field(default=None, description="awareness … advocacy; else the touchpoint's.")
    outcome: str | None = strawberry.field(default=None, description="success, failure or abandoned.")
    experience: str | None = strawberry.field(default=None, description="negative, met or exceeded.")
    csat: float | None = strawberry.field(default=None, description="Satisfaction, 1 to 5.")
    ces: float | None = strawberry.field(default=None, description="Effort, 1 to 7.")
    nps: int | None = strawberry.field(default=None, description="Likelihood to recommend, 0 to 10.")
    sentiment: float | None = strawberry.field(default=None, description="Sentiment, -1 to 1.")
    text: str | None = strawberry.field(default=None, description="Verbatim feedback (at most 10,000 characters).")
    friction: list[str] | None = strawberry.field(default=None, description="Friction codes the interaction hit.")
    trigger: str | None = strawberry.field(default=None, description="Trigger event code.")
    competitor: str | None = strawberry.field(default=None, description="Competitor code; required for `switch`.")
    product: str | None = strawberry.field(default=None, description="Product code.")
    value: float | None = strawberry.field(default=None, description="Monetary value.")
    currency: str | None = strawberry.field(default=None, description="ISO 4217 code of the value, e.g. EUR.")
    attributes: JSON | None = strawberry.field(default=None, description="Anything else, kept as attributes.")

    def to_event(self) -> dict[str, Any]:
        """The event as the contract's JSON object (snake_case keys, ts as RFC 3339), absent values left out."""
        event: dict[str, Any] = {
            "event_id": self.event_id, "ts": self.ts.isoformat(), "channel": self.channel,
            "touchpoint": self.touchpoint, "type": self.type, "customer_id": self.customer_id,
            "identities": self.identities, "session_id": self.session_id, "stage": self.stage,
            "outcome": self.outcome, "experience": self.experience, "csat": self.csat, "ces": self.ces,
            "nps": self.nps, "sentiment": self.sentiment, "text": self.text, "friction": self.friction,
            "trigger": self.trigger, "competitor": self.competitor, "product": self.product, "value": self.value,
            "currency": self.currency, "attributes": self.attributes,
        }
        return {k: v for k, v in event.items() if v is not None}


@strawberry.type(description="What happened to a recorded event.")
class RecordEventResult:
    accepted: bool = strawberry.field(description="The event was valid and is queued on the event stream: a worker "
                                                  "applies it to the twin (once per eventId).")
    event_id: strawberry.ID = strawberry.field(description="The event id.")
    errors: list[str] = strawberry.field(description="Why the event was refused, one reason a line.")
    suppressed: bool = strawberry.field(
        default=False, description="The event names a person erased from the twin (on the suppression list): it was "
                                   "dropped, not recorded.")


@strawberry.enum(description="How to honour an erasure request.")
class ErasureMode(Enum):
    ERASE = strawberry.enum_value("ERASE", description="Delete the customer and everything that identifies them.")
    ANONYMIZE = strawberry.enum_value(
        "ANONYMIZE", description="Remove personal data, keep de-identified interactions for the aggregates.")


@strawberry.type(description="What an erasure changed.")
class ErasureReport:
    customer_id: strawberry.ID = strawberry.field(description="The customer erased.")
    mode: ErasureMode = strawberry.field(description="ERASE or ANONYMIZE.")
    nodes_deleted: int = strawberry.field(description="Nodes deleted from the graph.")
    properties_scrubbed: int = strawberry.field(description="Properties removed or rewritten.")
