"""The twin rebuilt from its input files by DESIGN.md's rules, with no code shared with ingest.

- Identities: a customer record links its identities to it; an event links its identities to its declared
  customer, or to each other. Linked customers merge into one survivor: a declared id beats an `anon-` one, then the
  smallest id (the files here never trip an identity-count guardrail, so the linked components are the merges).
- Analytics refusal: the survivor's latest `analytics` consent decision (largest ts, an undated one oldest, a
  refusal winning a tie) over the consents of every customer merged into it.
- Personas: every SHOWS assignment of the merged customers; a customer is P at t when one has weight > 0 (absent
  weight = 1), since <= t (or none) and t < until (or none).
- Events: ordered by (ts, event_id), event_id by code point; `stage` is the event's, else its touchpoint's in the
  catalog. Journeys: one per session_id, and the session-less events split where consecutive events are more than
  the journey gap apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

DAY_MS = 86_400_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_ms(text: str | None) -> int | None:
    """RFC 3339 text as epoch ms, rounded toward minus infinity."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment - EPOCH) // timedelta(milliseconds=1)


@dataclass(frozen=True)
class Event:
    id: str
    ts: int
    customer: str  # the surviving customer
    touchpoint: str
    type: str
    channel: str
    stage: str | None
    outcome: str | None
    session: str | None
    frictions: tuple[str, ...]

    @property
    def order(self) -> tuple[int, str]:
        return self.ts, self.id

    def matches(self, matcher: dict[str, str]) -> bool:
        return all(getattr(self, key) is not None and getattr(self, key) == value for key, value in matcher.items())


@dataclass
class Customer:
    id: str
    # (persona, weight, since, until) of every SHOWS assignment
    spans: list[tuple[str, float, int | None, int | None]] = field(default_factory=list)
    consents: list[tuple[int | None, bool]] = field(default_factory=list)  # (ts, granted) of analytics decisions
    events: list[Event] = field(default_factory=list)  # in (ts, event_id) order
    journeys: list[list[Event]] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        if not self.consents:
            return False
        latest = max(((-1 if ts is None else ts), not granted) for ts, granted in self.consents)
        return latest[1]

    def personas_at(self, t: int) -> set[str]:
        return {p for p, weight, since, until in self.spans
                if weight > 0 and (since is None or since <= t) and (until is None or t < until)}


@dataclass
class Twin:
    customers: dict[str, Customer]  # surviving customers only
    latest_ts: int | None  # the largest event ts of all customers (refusers included)

    def counted(self) -> Iterator[Customer]:
        """The customers that take part in the questions (analytics refusers left out), by id."""
        for cid in sorted(self.customers):
            if not self.customers[cid].refused:
                yield self.customers[cid]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load(directory: Path, journey_gap_days: float = 30.0) -> Twin:
    """The twin of `directory`'s catalog.yaml, customers.jsonl and events.jsonl."""
    catalog = yaml.safe_load((directory / "catalog.yaml").read_text(encoding="utf-8")) or {}
    stage_of = {t["code"]: t.get("stage") for t in catalog.get("touchpoints", [])}
    records = read_jsonl(directory / "customers.jsonl")
    raw_events = read_jsonl(directory / "events.jsonl")

    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def link(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    for r in records:
        find("c:" + r["customer_id"])
        for kind, value in (r.get("identities") or {}).items():
            link("c:" + r["customer_id"], f"i:{kind}:{value}")
    for e in raw_events:
        keys = [f"i:{kind}:{value}" for kind, value in (e.get("identities") or {}).items()]
        if e.get("customer_id"):
            keys.append("c:" + e["customer_id"])
        for key in keys[1:]:
            link(keys[0], key)
        find(keys[0])
    members: dict[str, list[str]] = {}
    for node in list(parent):
        if node.startswith("c:"):
            members.setdefault(find(node), []).append(node[2:])
    survivor_of_root = {root: min(ids, key=lambda c: (c.startswith("anon-"), c)) for root, ids in members.items()}

    def survivor(node: str) -> str:
        root = find(node)
        if root not in survivor_of_root:
            raise ValueError(f"{node} belongs to no declared customer; the oracle's files always name one")
        return survivor_of_root[root]

    customers: dict[str, Customer] = {}
    for r in records:
        c = customers.setdefault(survivor("c:" + r["customer_id"]), Customer(survivor("c:" + r["customer_id"])))
        for a in r.get("personas", []):
            c.spans.append((a["persona"], a.get("weight", 1.0), epoch_ms(a.get("since")), epoch_ms(a.get("until"))))
        c.consents += [(epoch_ms(k.get("ts")), k["granted"]) for k in r.get("consents", [])
                       if k["purpose"] == "analytics"]
    latest: int | None = None
    for e in raw_events:
        key = "c:" + e["customer_id"] if e.get("customer_id") else next(
            f"i:{kind}:{value}" for kind, value in e["identities"].items())
        owner = survivor(key)
        c = customers.setdefault(owner, Customer(owner))
        ts = epoch_ms(e["ts"])
        assert ts is not None
        latest = ts if latest is None else max(latest, ts)
        c.events.append(Event(id=e["event_id"], ts=ts, customer=owner, touchpoint=e["touchpoint"], type=e["type"],
                              channel=e["channel"], stage=e.get("stage") or stage_of.get(e["touchpoint"]),
                              outcome=e.get("outcome"), session=e.get("session_id"),
                              frictions=tuple(e.get("friction") or ())))
    gap = journey_gap_days * DAY_MS
    for c in customers.values():
        c.events.sort(key=lambda ev: ev.order)
        sessions: dict[str, list[Event]] = {}
        loose: list[list[Event]] = []
        for ev in c.events:
            if ev.session is not None:
                sessions.setdefault(ev.session, []).append(ev)
            elif loose and ev.ts - loose[-1][-1].ts <= gap:
                loose[-1].append(ev)
            else:
                loose.append([ev])
        c.journeys = sorted([*sessions.values(), *loose], key=lambda j: j[0].order)
    return Twin(customers, latest)
