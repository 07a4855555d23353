"""Accounts (B2B): `(Customer)-[:MEMBER_OF {since}]->(Account {id})` from Segment `group` calls.

A membership record is {customer_id?, identities?, account_id, since, traits}: the customer as an event names it
(its id, or identities only: an anonymous visitor), the account's id, when the call was made and the group's traits.
`since` is the earliest call that tied the two; each trait of the account keeps the value of the latest call that set
it (ingest.profile_rules), so the same calls in any order, or again, give the same account.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.reads import json_object
from graph.store import GraphStore
from ingest.contracts import MAX_ID, CustomerRecord, check_descriptors, parse_ts, validate_customer
from ingest.customers import write_customers
from ingest.profile_rules import overlay_traits
from ingest.reasons import reject_reason


@dataclass(frozen=True, slots=True)
class Membership:
    """One valid membership: the customer (by id or identities), the account, since when, the traits then."""

    account_id: str
    since: int
    customer_id: str | None = None
    identities: Mapping[str, str] = field(default_factory=dict)
    traits: Mapping[str, Any] = field(default_factory=dict)


def validate_membership(obj: Any) -> tuple[Membership | None, list[str]]:
    """The normalised membership, or None with every reason it cannot be one."""
    if not isinstance(obj, Mapping):
        return None, [reject_reason("not_an_object", f"a membership must be a JSON object, not {type(obj).__name__}")]
    errors: list[str] = []
    account = obj.get("account_id")
    if not isinstance(account, str) or not account.strip() or len(account) > MAX_ID:
        errors.append(reject_reason("invalid_value", f"account_id must be a code of 1..{MAX_ID} characters"))
    since, reason = parse_ts(obj.get("since"), "since")
    if reason:
        errors.append(reason)
    who, found = validate_customer({k: obj[k] for k in ("customer_id", "identities") if k in obj}, anonymous=True)
    errors += found  # the member is named as a customer record names it: one rule
    traits = obj.get("traits") or {}
    if not isinstance(traits, Mapping):
        errors.append(reject_reason("invalid_type", "traits must be an object"))
    else:
        check_descriptors("traits", traits, errors)
    if errors:
        return None, errors
    assert since is not None and isinstance(account, str) and who is not None
    return Membership(account.strip(), since, who.customer_id, who.identities, dict(traits)), []


@dataclass(frozen=True)
class MembershipsWritten:
    new_customers: int
    survivors: list[str]  # customers an identity merge gave another's history: relink their journeys
    accounts: int  # accounts written (created or updated)


def write_memberships(store: GraphStore, memberships: Sequence[Membership], secret: bytes, now: int
                      ) -> MembershipsWritten:
    """Upsert accounts and memberships; each member is resolved as its events would be (a new anonymous visitor
    becomes a customer). The caller holds the writers' lock."""
    who = [CustomerRecord(m.customer_id, m.identities, ts=m.since) for m in memberships]
    written = write_customers(store, who, secret, now, lock=None)
    stored = {row["aid"]: row for row in store.run("account-traits", {"ids": sorted({m.account_id
                                                                                      for m in memberships})})}
    accounts: dict[str, tuple[dict[str, Any], dict[str, int]]] = {}
    members: dict[tuple[str, str], int] = {}
    for membership, customer in sorted(zip(memberships, written.resolved, strict=True), key=lambda p: p[0].since):
        values, times = accounts.get(membership.account_id) or (
            json_object(stored.get(membership.account_id, {}).get("attributes")),
            json_object(stored.get(membership.account_id, {}).get("trait_ts")))
        values, times, _ = overlay_traits(values, times, membership.traits, membership.since)
        accounts[membership.account_id] = (values, times)
        key = (customer, membership.account_id)
        members[key] = min(members.get(key, membership.since), membership.since)
    store.run("accounts-upsert", {
        "now": now,
        "accounts": [{"id": aid, "attributes": json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
                      if values else None, "trait_ts": json.dumps(times, sort_keys=True) if times else None}
                     for aid, (values, times) in sorted(accounts.items())],
        "members": [{"customer_id": c, "account_id": a, "since": since} for (c, a), since in sorted(members.items())]})
    return MembershipsWritten(written.new_customers, written.survivors, len(accounts))
