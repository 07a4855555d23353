"""Input files full of the cases the definitions must get right, drawn from a seeded generator.

Timestamps sit on a 6-hour grid, so equal timestamps (ordered by event id, where "e10" < "e9") and events exactly at
every window bound (whole days) are common; persona spans start and end on the grid too, some with weight 0; some
customers refuse analytics (some only through the customer merged into them); some customers are merged by an event
that carries another customer's identity; some events carry a session id and the others are split into journeys by
the 30-day gap, a few exactly 30 days apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from random import Random
from typing import Any

import yaml

BASE_MS = 1_714_521_600_000  # 2024-05-01T00:00:00Z, a Wednesday
GRID_MS = 6 * 3_600_000
DAY_MS = 86_400_000
TOUCHPOINTS = {"home": ("web", "awareness"), "product": ("web", "consideration"), "cart": ("app", "purchase"),
               "checkout": ("web", "purchase"), "store_visit": ("store", "purchase"),
               "support": ("call_center", "retention")}
TYPES = ("view", "view", "search", "purchase", "complaint")
OUTCOMES = (None, "success", "failure", "abandoned")
FRICTIONS = {"slow": "product", "fee": "checkout", "queue": "store_visit", "bot": "support"}
PERSONAS = ("p-a", "p-b", "p-c")
CATALOG: dict[str, Any] = {
    "personas": [{"code": p, "name": p.upper()} for p in PERSONAS],
    "channels": [{"code": c, "name": c} for c in ("web", "app", "store", "call_center")],
    "touchpoints": [{"code": t, "name": t, "channel": ch, "stage": st} for t, (ch, st) in TOUCHPOINTS.items()],
    "frictions": [{"code": f, "name": f, "touchpoint": t} for f, t in FRICTIONS.items()],
    "competitors": [{"code": "rival", "name": "Rival"}],
}


def iso(ms: int) -> str:
    seconds, milli = divmod(ms, 1000)
    from datetime import UTC, datetime

    text = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{milli:03d}Z" if milli else f"{text}Z"


def grid(rng: Random, low: int, high: int) -> int:
    return BASE_MS + rng.randint(low, high) * GRID_MS


def generate(out: Path, customers: int = 120, seed: int = 3) -> Path:
    """Write catalog.yaml, customers.jsonl and events.jsonl into `out`; returns `out`."""
    rng = Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "catalog.yaml").write_text(yaml.safe_dump(CATALOG, sort_keys=False), encoding="utf-8")
    records: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for number in range(1, customers + 1):
        cid = f"k{number:03d}"
        record: dict[str, Any] = {"customer_id": cid, "identities": {"email": f"{cid}@example.org"}}
        spans = []
        first = rng.choice(PERSONAS)
        change = grid(rng, 0, 240)
        roll = rng.random()
        if roll < 0.4:  # persona changes at an instant on the grid
            spans.append({"persona": first, "weight": 0.8, "until": iso(change)})
            spans.append({"persona": rng.choice(PERSONAS), "since": iso(change)})
        elif roll < 0.55:  # two at once, one of them with weight 0 (never counts)
            spans.append({"persona": first, "since": iso(grid(rng, -20, 40))})
            spans.append({"persona": rng.choice([p for p in PERSONAS if p != first]), "weight": 0})
        elif roll < 0.9:
            spans.append({"persona": first, "weight": 0.6})
        record["personas"] = spans
        if rng.random() < 0.12:
            record["consents"] = [{"purpose": "analytics", "granted": False, "ts": iso(grid(rng, 0, 100))}]
        elif rng.random() < 0.2:
            record["consents"] = [{"purpose": "analytics", "granted": True, "ts": iso(grid(rng, 0, 100))}]
        records.append(record)
        t = grid(rng, 0, 200)
        session = None
        for seq in range(rng.randint(2, 16)):
            roll = rng.random()
            if roll < 0.25:
                pass  # same instant as the one before
            elif roll < 0.3:
                t += 30 * DAY_MS + rng.choice((0, 0, GRID_MS))  # exactly at the journey gap, or just past it
            elif roll < 0.4:
                t += DAY_MS * rng.choice((1, 2, 7))  # exactly at a window bound from the event before
            else:
                t += GRID_MS * rng.randint(1, 8)
            if rng.random() < 0.15:
                session = None if session else f"{cid}-s{seq}"
            touchpoint = rng.choice(list(TOUCHPOINTS))
            channel = TOUCHPOINTS[touchpoint][0] if rng.random() < 0.9 else "app"
            event: dict[str, Any] = {"event_id": f"{cid}-e{rng.randint(1, 30)}-{seq}", "customer_id": cid,
                                     "ts": iso(t), "channel": channel, "touchpoint": touchpoint,
                                     "type": rng.choice(TYPES)}
            outcome = rng.choice(OUTCOMES)
            if outcome:
                event["outcome"] = outcome
            if rng.random() < 0.1:
                event["stage"] = "advocacy"
            if session:
                event["session_id"] = session
            hit = [f for f, at in FRICTIONS.items() if at == touchpoint and rng.random() < 0.45]
            if hit:
                event["friction"] = hit
            if rng.random() < 0.04:
                event.update(type="switch", competitor="rival")
            events.append(event)
    _merges(rng, records, events)
    rng.shuffle(events)  # ingest must not depend on file order
    (out / "customers.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (out / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    return out


def _merges(rng: Random, records: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
    """Every tenth customer is merged into another one by an event carrying the other's email; one merged customer
    in three refuses analytics after the survivor's own decision, so the survivor refuses."""
    for loser in records[9::10]:
        other = rng.choice([r for r in records if r is not loser])
        if "merged" in other or "merged" in loser:
            continue
        loser["merged"] = other["merged"] = True
        events.append({"event_id": f"{loser['customer_id']}-merge", "customer_id": loser["customer_id"],
                       "identities": {"email": other["identities"]["email"]}, "ts": iso(grid(rng, 0, 300)),
                       "channel": "web", "touchpoint": "home", "type": "view"})
        if rng.random() < 0.34:
            loser["consents"] = [{"purpose": "analytics", "granted": False, "ts": iso(BASE_MS + 400 * GRID_MS)}]
    for r in records:
        r.pop("merged", None)
