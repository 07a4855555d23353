"""Who is asking: what the dashboard and other frontends need to know about their own key."""

from __future__ import annotations

import strawberry


@strawberry.type(description="The caller: the role of the key sent (admin for everyone in open development mode).")
class Viewer:
    role: str = strawberry.field(description="admin, analyst, frontend or ingest.")
    personal_data: bool = strawberry.field(description="Whether this caller may read personal data "
                                                       "(`Customer.pii`; roles in DTC_PII_ROLES).")
    open: bool = strawberry.field(description="True when the server runs without API keys (development mode, "
                                              "loopback only): every caller is admin.")
