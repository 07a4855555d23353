"""Demo data with known answers: a beauty retailer's customers, their omnichannel journeys and planted effects.

    generate(Path("demo-data"), customers=3000, seed=7)

writes, in the contract format of ../shared/contracts:

    catalog.yaml      personas with empathy maps, channels, touchpoints, stakeholders, frictions, triggers, actions,
                      competitors (the Sydney example's entries merged in)
    customers.jsonl   one customer a line: identities, pii, attributes, personas over time (since/until), consents
    events.jsonl      (or events.jsonl.gz) journeys across the five stages, streamed customer by customer
    truth.json        the planted effects: for each (persona, friction, competitor), customers of that persona who hit
                      that friction switch to that competitor within 90 days far more often than the baseline

Everything is drawn from `random.Random` seeded per (seed, customer), so a seed always gives the same files, and the
files are written as they are drawn, so memory stays flat at any size. Verbatims come from fixed pools per friction
and experience, so semantic search has something real to find and embeddings stay cheap (few distinct texts).
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from random import Random
from typing import IO, Any

import yaml

from graph.errors import InputError
from graph.ontology import STAGES
from graph.persona_rule import shows_at
from graph.privacy import PURPOSES
from ingest.demo_behaviour import (
    CHANNEL_AFFINITY,
    CHOSEN_BY_FLOW,
    CONTINUE_P,
    EVENT_TYPE,
    EXPERIENCE_TEXTS,
    FIRST_NAMES,
    FRICTION_RATE,
    FRICTION_TEXTS,
    LAST_NAMES,
    ONLINE_CHECKOUTS,
    PERSONA_SHARE,
    PERSONA_SHIFTS,
    PLANTED_EFFECTS,
    PRODUCTS,
    REFUSAL_RATE,
    SWITCH_TEXTS,
    TRIGGER_AT,
    PlantedEffect,
)
from ingest.demo_catalog import SYDNEY_CUSTOMERS, SYDNEY_EVENTS, demo_catalog

DAY = 86_400
PERIOD_START = 1_704_067_200  # 2024-01-01T00:00:00Z, epoch seconds
PERIOD_END = 1_751_328_000  # 2025-07-01T00:00:00Z
BACKGROUND_SWITCH_P = 0.03  # customers who leave for reasons the data does not show
FRICTION_SWITCH_P = 0.03  # chance that an ordinary friction hit makes the customer leave
PLANTED_COMPETITOR_SHARE = 0.9  # the rest of a planted effect's switchers pick another competitor


@dataclass(frozen=True)
class GenerationReport:
    """What `generate` wrote."""

    outdir: Path
    catalog_path: Path
    customers_path: Path
    events_path: Path
    truth_path: Path
    customers: int
    events: int
    switches: int
    seconds: float
    effects: tuple[PlantedEffect, ...] = field(default=PLANTED_EFFECTS)

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def generate(outdir: Path | str, customers: int = 3000, seed: int = 7, *, gzip_events: bool = False,
             include_sydney: bool = True, history: int = 1) -> GenerationReport:
    """Write catalog.yaml, customers.jsonl, events.jsonl[.gz] and truth.json for `customers` customers.

    `history` = h gives the same customers (the same customer file, personas and switches) with about h times the
    events each: h - 1 more runs of journeys over the same period, each from its own seeded stream, cut at the
    customer's switch like the first (the benchmarks' "five times the history").
    """
    if customers < 0:
        raise InputError(f"customers={customers} is negative; ask for 0 or more customers.")
    if history < 1:
        raise InputError(f"history={history} is below 1; ask for 1 (the demo) or more times the events.")
    started = time.perf_counter()
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    catalog = demo_catalog()
    world = _World(catalog)
    catalog_path = out / "catalog.yaml"
    catalog_path.write_text("# Demo catalog of a beauty retailer (generated; the Sydney example merged in).\n"
                            + yaml.safe_dump(catalog, sort_keys=False, allow_unicode=True, width=120))
    customers_path = out / "customers.jsonl"
    events_path = out / ("events.jsonl.gz" if gzip_events else "events.jsonl")
    n_events = n_switches = 0
    planted = {(e.persona, e.friction): 0 for e in PLANTED_EFFECTS}
    with customers_path.open("w", encoding="utf-8") as cust_file, _open_events(events_path) as event_file:
        if include_sydney:
            cust_file.write(SYDNEY_CUSTOMERS)
            event_file.write(SYDNEY_EVENTS)
            n_events += SYDNEY_EVENTS.count("\n")
            n_switches += 1
        for number in range(1, customers + 1):
            simulated = _simulate_customer(world, number, seed, history)
            cust_file.write(json.dumps(simulated.record, separators=(",", ":")) + "\n")
            event_file.write("".join(json.dumps(e, separators=(",", ":")) + "\n" for e in simulated.events))
            n_events += len(simulated.events)
            if simulated.switched:
                n_switches += 1
            if simulated.planted_cause is not None:
                planted[simulated.planted_cause] += 1
    truth_path = out / "truth.json"
    truth = {
        "seed": seed,
        "customers": customers + (2 if include_sydney else 0),
        "events": n_events,
        "switches": n_switches,
        "period": {"since": _rfc3339(PERIOD_START), "until": _rfc3339(PERIOD_END)},
        "background_switch_probability": BACKGROUND_SWITCH_P,
        "friction_switch_probability": FRICTION_SWITCH_P,
        "effects": [
            {"persona": e.persona, "friction": e.friction, "competitor": e.competitor, "window_days": e.window_days,
             "switch_probability": e.switch_probability, "exposure_boost": e.exposure_boost,
             "planted_switches": planted[(e.persona, e.friction)]}
            for e in PLANTED_EFFECTS
        ],
    }
    truth_path.write_text(json.dumps(truth, indent=2) + "\n")
    return GenerationReport(out, catalog_path, customers_path, events_path, truth_path, customers + 2 * include_sydney,
                            n_events, n_switches, time.perf_counter() - started)


def _open_events(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "wt", encoding="utf-8", compresslevel=3)
    return path.open("w", encoding="utf-8")


class _World:
    """The catalog turned into lookup tables the simulation draws from."""

    def __init__(self, catalog: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        self.touchpoints = {t["code"]: t for t in catalog["touchpoints"]}
        self.frictions_at: dict[str, list[str]] = {}
        for f in catalog["frictions"]:
            self.frictions_at.setdefault(f["touchpoint"], []).append(f["code"])
        self.competitors = [c["code"] for c in catalog["competitors"]]
        self.personas = list(PERSONA_SHARE)
        self.persona_cum = list(accumulate(PERSONA_SHARE.values()))
        self.effect_of = {(e.persona, e.friction): e for e in PLANTED_EFFECTS}
        # per persona and stage: the touchpoints one may pick, with cumulative weights by channel affinity
        self.choices: dict[tuple[str, str], tuple[list[str], list[float]]] = {}
        for persona, affinity in CHANNEL_AFFINITY.items():
            for stage in STAGES:
                codes = [c for c, t in self.touchpoints.items() if t["stage"] == stage and c not in CHOSEN_BY_FLOW]
                self.choices[(persona, stage)] = (codes, list(accumulate(affinity[self.touchpoints[c]["channel"]]
                                                                          for c in codes)))

    def friction_rate(self, friction: str, personas: Sequence[str]) -> float:
        boost = max((self.effect_of[(p, friction)].exposure_boost for p in personas
                     if (p, friction) in self.effect_of), default=1.0)
        return min(0.9, FRICTION_RATE[friction] * boost)


@dataclass
class _Assignment:
    persona: str
    weight: float
    since: int | None
    until: int | None

    def valid_at(self, t: int) -> bool:
        """The persona rule, in epoch seconds as the generator counts them."""
        return shows_at(self.weight, self.since, self.until, t)


@dataclass
class _Simulated:
    record: dict[str, Any]
    events: list[dict[str, Any]]
    switched: bool
    planted_cause: tuple[str, str] | None


def _simulate_customer(world: _World, number: int, seed: int, history: int = 1) -> _Simulated:
    rng = Random(seed * 1_000_003 + number)
    cid = f"c{number:06d}"
    first_ts = rng.randint(PERIOD_START, PERIOD_END - 60 * DAY)
    assignments = _personas(world, rng, first_ts)

    def personas_at(t: int) -> list[str]:
        return [a.persona for a in assignments if a.valid_at(t)]

    visits = _journeys(world, rng, cid, first_ts, personas_at)
    leaving = _switch(world, rng, visits, first_ts, personas_at)
    cause: tuple[str, str] | None = None
    if leaving is not None:
        switch_ts, competitor, cause = leaving
        visits = [v for v in visits if v["_t"] < switch_ts]
        exit_event = {"_t": switch_ts, "customer_id": cid, "session_id": f"{cid}-exit", "channel": "call_center",
                      "touchpoint": "cancellation", "type": "switch", "competitor": competitor}
        if rng.random() < 0.7:
            exit_event["text"] = rng.choice(SWITCH_TEXTS.get(competitor, ("I have moved to another brand.",)))
        visits.append(exit_event)
    record_visits = list(visits)
    if history > 1:  # more journeys from streams of their own, so the customer's record stays the same
        for run in range(2, history + 1):
            more = _journeys(world, Random(f"{seed}:{number}:{run}"), cid, first_ts, personas_at, f"h{run}j")
            visits += [v for v in more if leaving is None or v["_t"] < leaving[0]]
        visits.sort(key=lambda v: int(v["_t"]))
    events = []
    for seq, visit in enumerate(visits, start=1):
        t = visit.pop("_t")
        visit["event_id"] = f"{cid}-{seq:04d}"
        visit["ts"] = _rfc3339(t)
        events.append(visit)
    if rng.random() < 0.03 and events:  # a few events carry only an identity, as a web tracker would send them
        tracked = events[0]
        del tracked["customer_id"]
        tracked["identities"] = {"crm_id": f"CRM-{number:07d}"}
    record = _customer_record(rng, cid, number, assignments, leaving is not None, record_visits)
    return _Simulated(record, events, leaving is not None, cause)


def _personas(world: _World, rng: Random, first_ts: int) -> list[_Assignment]:
    primary = rng.choices(world.personas, cum_weights=world.persona_cum)[0]
    since: int | None = first_ts - rng.randint(0, 60) * DAY
    if rng.random() < 0.1:
        since = None  # declared without a date: valid since forever
    assignments = [_Assignment(primary, round(rng.uniform(0.7, 1.0), 2), since, None)]
    roll = rng.random()
    if roll < 0.15 and first_ts + 120 * DAY < PERIOD_END - 30 * DAY:
        change = rng.randint(first_ts + 120 * DAY, PERIOD_END - 30 * DAY)
        assignments[0].until = change
        assignments.append(_Assignment(PERSONA_SHIFTS[primary], round(rng.uniform(0.7, 1.0), 2), change, None))
    elif roll < 0.33:
        second = rng.choice([p for p in world.personas if p != primary])
        assignments.append(_Assignment(second, round(rng.uniform(0.3, 0.6), 2), since, None))
    return assignments


def _journeys(world: _World, rng: Random, cid: str, first_ts: int, personas_at: Callable[[int], list[str]],
              session_tag: str = "j") -> list[dict[str, Any]]:
    visits: list[dict[str, Any]] = []
    t = first_ts
    for k in range(1, rng.randint(2, 7)):
        if t >= PERIOD_END:
            break
        session = f"{cid}-{session_tag}{k}"
        for stage in STAGES:
            if stage != "awareness" and rng.random() > CONTINUE_P[stage]:
                break
            personas = personas_at(t) or ["loyal-pro"]
            codes, cum = world.choices[(personas[0], stage)]
            for _ in range(1 if rng.random() < 0.6 else 2):
                t += rng.randint(600, 3 * DAY if stage != "retention" else 20 * DAY)
                touchpoint = rng.choices(codes, cum_weights=cum)[0]
                visit = _visit(world, rng, cid, session, touchpoint, t, personas)
                visits.append(visit)
                if touchpoint in ONLINE_CHECKOUTS and visit.get("outcome") != "abandoned":
                    t += rng.randint(DAY, 5 * DAY)
                    visits.append(_visit(world, rng, cid, session, "delivery", t, personas_at(t) or personas))
                if visit.get("friction") and rng.random() < 0.3:  # some complain about it
                    t += rng.randint(3600, 2 * DAY)
                    visits.append(_complaint(rng, cid, session, t, visit["friction"][0]))
        t += rng.randint(31 * DAY, 150 * DAY)  # the next journey starts after a quiet spell
    return visits


def _visit(world: _World, rng: Random, cid: str, session: str, touchpoint: str, t: int,
           personas: Sequence[str]) -> dict[str, Any]:
    spec = world.touchpoints[touchpoint]
    kind = EVENT_TYPE[touchpoint]
    visit: dict[str, Any] = {"_t": t, "customer_id": cid, "session_id": session, "channel": spec["channel"],
                             "touchpoint": touchpoint, "type": kind}
    hit = [f for f in world.frictions_at.get(touchpoint, ()) if rng.random() < world.friction_rate(f, personas)]
    if hit:
        experience = "negative"
        visit["friction"] = hit
        visit["outcome"] = "abandoned" if touchpoint in ONLINE_CHECKOUTS and rng.random() < 0.4 else "failure"
    else:
        roll = rng.random()
        experience = "negative" if roll < 0.07 else "exceeded" if roll > 0.75 else "met"
        if kind != "view":
            visit["outcome"] = "success"
    trigger = TRIGGER_AT.get(touchpoint)
    if trigger is not None:
        visit["trigger"] = trigger
    if kind != "view":
        visit["experience"] = experience
    if kind == "purchase" and visit.get("outcome") != "abandoned":
        product, price = rng.choice(PRODUCTS[touchpoint])
        visit.update(product=product, value=round(price * rng.uniform(0.8, 1.3), 2), currency="EUR")
    score = {"negative": 0, "met": 1, "exceeded": 2}[experience]
    if kind in ("purchase", "consultation", "support", "delivery", "interaction", "return") and rng.random() < 0.7:
        visit["csat"] = (rng.choice((1, 2, 2)), rng.choice((3, 4, 4)), rng.choice((4, 5, 5)))[score]
    if kind in ("support", "purchase", "search") and rng.random() < 0.5:
        visit["ces"] = (rng.randint(5, 7), rng.randint(2, 4), rng.randint(1, 2))[score]
    if kind == "feedback":
        visit["nps"] = (rng.randint(0, 6), rng.randint(6, 8), rng.randint(9, 10))[score]
    text = None
    if hit and rng.random() < 0.6:
        text = rng.choice(FRICTION_TEXTS[hit[0]])
    elif kind != "view" and rng.random() < (0.5, 0.1, 0.3)[score] or kind == "feedback":
        text = rng.choice(EXPERIENCE_TEXTS[experience])
    if text is not None:
        visit["text"] = text
        visit["sentiment"] = round((rng.uniform(-0.9, -0.3), rng.uniform(-0.1, 0.4), rng.uniform(0.5, 0.95))[score],
                                   2)
    return visit


def _complaint(rng: Random, cid: str, session: str, t: int, friction: str) -> dict[str, Any]:
    channel, touchpoint = ("call_center", "aftercare") if rng.random() < 0.5 else ("chatbot", "support_chat")
    return {"_t": t, "customer_id": cid, "session_id": session, "channel": channel, "touchpoint": touchpoint,
            "type": "complaint", "outcome": "failure", "experience": "negative",
            "text": rng.choice(FRICTION_TEXTS[friction]), "sentiment": round(rng.uniform(-0.95, -0.5), 2)}


def _switch(world: _World, rng: Random, visits: Sequence[Mapping[str, Any]], first_ts: int,
            personas_at: Callable[[int], list[str]]) -> tuple[int, str, tuple[str, str] | None] | None:
    """When the customer leaves, for whom, and which planted effect made them (the earliest switch wins)."""
    switch_ts: int | None = None
    competitor: str | None = None
    cause: tuple[str, str] | None = None
    for visit in visits:
        t = visit["_t"]
        if switch_ts is not None and t >= switch_ts:
            break
        for friction in visit.get("friction", ()):
            effect = next((world.effect_of[(p, friction)] for p in personas_at(t)
                           if (p, friction) in world.effect_of), None)
            if effect is not None and rng.random() < effect.switch_probability:
                at = t + rng.randint(3600, 75 * DAY)
                to = effect.competitor if rng.random() < PLANTED_COMPETITOR_SHARE else rng.choice(world.competitors)
                why: tuple[str, str] | None = (effect.persona, effect.friction)
            elif rng.random() < FRICTION_SWITCH_P:
                at = t + rng.randint(DAY, 120 * DAY)
                to, why = rng.choice(world.competitors), None
            else:
                continue
            if switch_ts is None or at < switch_ts:
                switch_ts, competitor, cause = at, to, why
    if switch_ts is None and rng.random() < BACKGROUND_SWITCH_P:
        switch_ts, competitor = rng.randint(first_ts + DAY, PERIOD_END), rng.choice(world.competitors)
    if switch_ts is None or competitor is None or switch_ts >= PERIOD_END:
        return None
    return switch_ts, competitor, cause


def _customer_record(rng: Random, cid: str, number: int, assignments: Sequence[_Assignment], switched: bool,
                     visits: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email = f"{first.lower()}.{last.lower()}.{number}@example.com"
    consent_ts = _rfc3339(min((a.since for a in assignments if a.since is not None), default=PERIOD_START))
    negative = sum(1 for v in visits if v.get("experience") == "negative")
    stage = "stop" if switched else "backward" if negative >= 3 else "start" if len(visits) < 6 else "forward"
    personas = []
    for a in assignments:
        entry: dict[str, Any] = {"persona": a.persona, "weight": a.weight, "source": "declared"}
        if a.since is not None:
            entry["since"] = _rfc3339(a.since)
        if a.until is not None:
            entry["until"] = _rfc3339(a.until)
        personas.append(entry)
    return {
        "customer_id": cid,
        "identities": {"email": email, "crm_id": f"CRM-{number:07d}"},
        "pii": {"name": f"{first} {last}", "email": email},
        "attributes": {"tier": rng.choice(("bronze", "silver", "gold")),
                       "age_band": rng.choice(("18-24", "25-34", "35-44", "45-54", "55+")),
                       "region": rng.choice(("north", "south", "east", "west"))},
        "relationship_stage": stage,
        "personas": personas,
        "consents": [{"purpose": p, "granted": rng.random() >= REFUSAL_RATE[p], "ts": consent_ts, "source": "signup"}
                     for p in PURPOSES],
    }


def _rfc3339(epoch_s: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_s))


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The objects of a generated .jsonl or .jsonl.gz file, one by one."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)
