# mypy: disable-error-code="untyped-decorator"
"""The twin's write side: record an event, set a consent, erase a customer (admin)."""

from __future__ import annotations

import strawberry

from api.auth import ADMIN, CONSENT_WRITERS, EVENT_WRITERS, require
from api.context import Info
from api.types.inputs import ErasureMode, ErasureReport, EventInput, RecordEventResult
from api.types.scalars import from_ms
from api.types.twin import Consent


@strawberry.type(description="Change the twin: events, consent, erasure.")
class Mutation:
    @strawberry.mutation(description="Record one interaction event: validated against the event contract and "
                                     "queued on the event stream, which a worker applies (idempotent by eventId).")
    async def record_event(self, info: Info, input: EventInput) -> RecordEventResult:
        require(info.context.caller, EVENT_WRITERS, "record events")
        report = await info.context.call(info.context.app.doors.intake.accept, [input.to_event()])
        info.context.metrics.events_received(report.accepted, report.rejected)
        return RecordEventResult(accepted=report.accepted == 1, event_id=strawberry.ID(input.event_id),
                                 errors=[reason for row in report.errors for reason in row["errors"]],
                                 suppressed=report.suppressed == 1)

    @strawberry.mutation(description="Record a customer's consent decision for a purpose (history kept, audited).")
    async def set_consent(self, info: Info, customer_id: strawberry.ID, purpose: str, granted: bool) -> Consent:
        caller = require(info.context.caller, CONSENT_WRITERS, "set consent")
        from graph.privacy import set_consent

        key = await info.context.call(info.context.app.doors.subject_key)
        consent = await info.context.call(set_consent, info.context.store, str(customer_id), purpose.strip(), granted,
                                          actor=info.context.actor(caller), source="api", subject_key=key,
                                          lock=info.context.app.writers())
        return Consent(purpose=consent["purpose"], granted=consent["granted"], at=from_ms(consent["ts"]),
                       source=consent["source"])

    @strawberry.mutation(description="Erase (or anonymize) a customer everywhere the twin keeps them: the graph, the "
                                     "event stream, rejects; audited and durable before it answers. Admin only.")
    async def erase_customer(self, info: Info, id: strawberry.ID,
                             mode: ErasureMode = ErasureMode.ERASE) -> ErasureReport:
        caller = require(info.context.caller, frozenset({ADMIN}), "erase customers")
        report = await info.context.call(info.context.app.doors.erasure.erase, str(id), mode.value,
                                         actor=info.context.actor(caller))
        return ErasureReport(customer_id=strawberry.ID(report["customerId"]), mode=ErasureMode(report["mode"]),
                             nodes_deleted=report["nodesDeleted"], properties_scrubbed=report["propertiesScrubbed"])
