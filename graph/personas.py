"""Dynamic personas: score every customer against every persona and keep the history of model assignments.

Scoring (documented in docs/intelligence.md) has two parts, each turned into shares over the personas by a softmax:

- behaviour: a recency-weighted profile of the customer's interactions up to `at` (channel mix, stage mix, friction
  hits, value, recency; half-life `HALF_LIFE_DAYS`) compared by cosine with each persona's prototype, the
  weighted mean profile of customers *declared* (or assigned by a rule) to that persona;
- text: the recency-weighted mean embedding of the customer's verbatims compared by cosine with the persona's
  description and empathy-map insights.

weight = mean of the available parts' shares. A weight of at least `MIN_WEIGHT` makes an assignment
`SHOWS {weight, since: at, source: 'model:<embedding model>'}`; when a persona's weight moves by `MATERIAL_CHANGE` or
more (or falls below `MIN_WEIGHT`) the open model assignment gets `until = at` and a new one starts, so the history
stays in the graph and a customer can show several personas at once. Declared and rule assignments are read as
exemplars and never changed. Customers whose latest `profiling` consent is refused are not scored, and their open
model assignments are closed.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cypher import DAY_MS, now_ms
from graph.embeddings import Embedder
from graph.live_state.repair import repair
from graph.ontology import STAGES
from graph.paging import rows_in_windows
from graph.settings import Settings
from graph.store import GraphStore, Row
from graph.writer_lock import WriterLock

HALF_LIFE_DAYS = 90.0
MIN_WEIGHT = 0.25
MATERIAL_CHANGE = 0.1
BEHAVIOUR_TEMPERATURE = 0.1
TEXT_TEMPERATURE = 0.05  # sentence similarities spread less than behaviour profiles do
VALUE_SCALE = 100.0  # currency units at which spending counts as 63% of "high value"
CUSTOMER_PAGE = 100  # customers per step: a step's reads stay well under a second (graph.store.SLOW_CALL_S; the
# live state's read of 250 customers' inputs took 1.0-1.4 s at 1M interactions beside the API, of 100 ~0.2 s) and its
# writes are committed before the next step reads, so API calls and the worker pass between steps
Vector = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Activity:
    """One interaction as the scorer sees it."""

    ts: int
    channel: str | None = None
    stage: str | None = None
    frictions: tuple[str, ...] = ()
    value: float | None = None


@dataclass(frozen=True)
class Vocabulary:
    """The codes that span the behaviour profile."""

    channels: tuple[str, ...]
    frictions: tuple[str, ...]
    stages: tuple[str, ...] = STAGES


@dataclass
class AssignReport:
    source: str
    at: int
    personas: int = 0
    customers: int = 0  # customers scored
    refused_profiling: int = 0  # customers skipped because their latest profiling consent is refused
    opened: int = 0  # assignments written
    closed: int = 0  # earlier model assignments given an `until`
    unchanged: int = 0  # open model assignments left as they were
    parts: tuple[str, ...] = ()  # the scoring parts available: behaviour, text
    exemplars: dict[str, int] = field(default_factory=dict)  # persona -> declared/rule customers behind its prototype
    seconds: float = 0.0
    resumed: int = 0  # customers a run cut off had already scored (a checkpoint), counted in customers


EXEMPLARS_PER_PERSONA = 500  # declared or rule customers behind a persona's prototype, at most

# what a checkpoint carries over to the run that resumes it
_CARRIED = ("customers", "refused_profiling", "opened", "closed", "unchanged")
Progress = Callable[[int, int], None]  # (customers done, customers in all), after each step


# -- scoring (pure) ------------------------------------------------------------------------------------------------
def recency_weight(ts: int, at: int, half_life_days: float = HALF_LIFE_DAYS) -> float:
    return float(0.5 ** (max(0, at - ts) / (half_life_days * DAY_MS)))


def behaviour_profile(activities: Sequence[Activity], at: int, vocabulary: Vocabulary) -> Vector:
    """Channel mix, stage mix, friction hits (each block unit length), value and recency, recency-weighted."""
    channels = np.zeros(len(vocabulary.channels))
    stages = np.zeros(len(vocabulary.stages))
    frictions = np.zeros(len(vocabulary.frictions))
    spent = 0.0
    for a in activities:
        w = recency_weight(a.ts, at)
        if a.channel in vocabulary.channels:
            channels[vocabulary.channels.index(a.channel)] += w
        if a.stage in vocabulary.stages:
            stages[vocabulary.stages.index(a.stage)] += w
        for code in a.frictions:
            if code in vocabulary.frictions:
                frictions[vocabulary.frictions.index(code)] += w
        spent += w * max(0.0, a.value or 0.0)
    latest = max((a.ts for a in activities), default=None)
    scalars = np.array([1.0 - math.exp(-spent / VALUE_SCALE),
                        recency_weight(latest, at) if latest is not None else 0.0])
    return np.concatenate([_unit(channels), _unit(stages), _unit(frictions), scalars])


def mean_direction(vectors: Iterable[tuple[Vector, float]]) -> Vector | None:
    """The weighted mean of vectors, scaled to unit length; None when there is nothing to average."""
    total: Vector | None = None
    for vector, weight in vectors:
        total = vector * weight if total is None else total + vector * weight
    if total is None or not np.any(total):
        return None
    return _unit(total)


def shares(similarities: Mapping[str, float], temperature: float) -> dict[str, float]:
    """Softmax of similarities: how much of the customer each persona explains, summing to 1."""
    if not similarities:
        return {}
    top = max(similarities.values())
    raw = {p: math.exp((s - top) / temperature) for p, s in similarities.items()}
    total = sum(raw.values())
    return {p: v / total for p, v in raw.items()}


def persona_weights(behaviour: Vector | None, prototypes: Mapping[str, Vector], text: Vector | None,
                    persona_texts: Mapping[str, Vector]) -> dict[str, float]:
    """The mean of the behaviour and text shares that can be computed for this customer."""
    parts = []
    if behaviour is not None and np.any(behaviour) and prototypes:
        parts.append(shares({p: _cosine(behaviour, v) for p, v in prototypes.items()}, BEHAVIOUR_TEMPERATURE))
    if text is not None and persona_texts:
        parts.append(shares({p: _cosine(text, v) for p, v in persona_texts.items()}, TEXT_TEMPERATURE))
    if not parts:
        return {}
    personas = set().union(*parts)
    return {p: round(sum(part.get(p, 0.0) for part in parts) / len(parts), 3) for p in personas}


def changes(open_weights: Mapping[str, float], new_weights: Mapping[str, float]) -> tuple[list[str], dict[str, float]]:
    """(personas whose open model assignment ends, assignments to start) for one customer."""
    close: list[str] = []
    start: dict[str, float] = {}
    for persona in sorted(set(open_weights) | set(new_weights)):
        new = new_weights.get(persona, 0.0)
        keeps = new >= MIN_WEIGHT
        if persona in open_weights:
            if keeps and abs(new - open_weights[persona]) < MATERIAL_CHANGE:
                continue
            close.append(persona)
        if keeps:
            start[persona] = new
    return close, start


def _unit(vector: Vector) -> Vector:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def _cosine(a: Vector, b: Vector) -> float:
    denominator = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / denominator if denominator > 0 else 0.0


# -- reading and writing the graph ---------------------------------------------------------------------------------
def assign_personas(store: GraphStore, embedder: Embedder, at: int | None = None, *,
                    lock: WriterLock, checkpoint: Path | None = None, progress: Progress | None = None
                    ) -> AssignReport:
    """Score every customer with interactions up to `at` (epoch ms, default now) and update model assignments.

    Uses the embeddings already stored (run `enrich` first for the text part). Works in steps of CUSTOMER_PAGE
    customers in id order, each written before the next is read, calling `progress` after each. With `checkpoint`
    (a file), the last customer written is kept there after each step, and a run cut off (killed, stopped) resumes
    after it with the same `at`, so one run's assignments share one moment; an explicit other `at` starts afresh.
    The file is removed once every customer is scored. Each step's assignments are written through the live state's
    repair path, holding the writers' `lock` for that step only."""
    started = time.perf_counter()
    source = f"model:{embedder.name}"
    saved = _saved_run(checkpoint, source, at)
    at = saved["at"] if saved else (now_ms() if at is None else at)
    report = AssignReport(source=source, at=at)
    vocabulary = Vocabulary(channels=tuple(r["code"] for r in store.run("channel-codes")),
                            frictions=tuple(r["code"] for r in store.run("friction-codes")))
    personas = [r["code"] for r in store.run("persona-codes")]
    report.personas = len(personas)
    if len(personas) < 2:
        report.seconds = time.perf_counter() - started
        return report  # shares between fewer than two personas say nothing

    persona_texts = {p: v for p, v in _persona_text_vectors(store, embedder.name).items() if p in personas}
    exemplars = _sample_exemplars(list(rows_in_windows(store, "personas-exemplars", "remaining-customers",
                                                       {"at": at})))
    exemplar_ids = sorted({r["customer"] for r in exemplars})
    activities = _activities(store, exemplar_ids, at)
    prototypes: dict[str, Vector] = {}
    for persona in personas:
        members = [(behaviour_profile(activities.get(r["customer"], []), at, vocabulary), float(r["weight"]))
                   for r in exemplars if r["persona"] == persona and r["customer"] in activities]
        report.exemplars[persona] = len(members)
        prototype = mean_direction(members)
        if prototype is not None:
            prototypes[persona] = prototype
    # a part counts only when every persona has it, so shares compare like with like
    if len(prototypes) < len(personas):
        prototypes = {}
    if len(persona_texts) < len(personas):
        persona_texts = {}
    report.parts = tuple(name for name, part in (("behaviour", prototypes), ("text", persona_texts)) if part)

    customer_ids = sorted(r["id"] for r in rows_in_windows(store, "personas-customers", "remaining-customers"))
    todo = customer_ids
    if saved:
        for key in _CARRIED:
            setattr(report, key, int(saved["counts"].get(key, 0)))
        todo = [c for c in customer_ids if c > saved["after"]]
        report.resumed = len(customer_ids) - len(todo)
    vectors: dict[str, Vector] = {}  # embeddings by hash: customers share many texts
    for page_start in range(0, len(todo), CUSTOMER_PAGE):
        page = todo[page_start:page_start + CUSTOMER_PAGE]
        _score_page(store, page, at, report, vocabulary, prototypes, persona_texts, vectors, embedder.name, lock)
        if checkpoint is not None:
            _save_run(checkpoint, {"source": source, "at": at, "after": page[-1],
                                   "counts": {k: v for k, v in asdict(report).items() if k in _CARRIED}})
        if progress is not None:
            progress(report.resumed + page_start + len(page), len(customer_ids))
    if checkpoint is not None:
        checkpoint.unlink(missing_ok=True)
    report.seconds = time.perf_counter() - started
    return report


def _sample_exemplars(rows: Sequence[Row]) -> list[Row]:
    """At most EXEMPLARS_PER_PERSONA exemplars of each persona, the same ones every run (by a hash of the customer
    id): a prototype is a mean direction, as good from a few hundred profiles as from every declared customer, and
    reading every exemplar's interactions first made a 1M-interaction twin wait minutes before scoring began."""
    by_persona: dict[str, list[Row]] = {}
    for row in rows:
        by_persona.setdefault(row["persona"], []).append(row)
    return [row for members in by_persona.values() for row in sorted(
        members, key=lambda r: hashlib.sha256(str(r["customer"]).encode()).digest())[:EXEMPLARS_PER_PERSONA]]


def scoring_checkpoint(settings: Settings) -> Path:
    """Where `dtc personas assign` and `dtc demo` keep a scoring run in progress (one per graph)."""
    return settings.state_dir / "checkpoints" / f"personas-{settings.graph_name}.json"


def _score_page(store: GraphStore, page: Sequence[str], at: int, report: AssignReport, vocabulary: Vocabulary,
                prototypes: Mapping[str, Vector], persona_texts: Mapping[str, Vector], vectors: dict[str, Vector],
                model: str, lock: WriterLock) -> None:
    """Score one step's customers and write what changed (through the live state's repair path)."""
    refused = {r["customer"] for r in store.run("personas-refused-profiling", {"ids": list(page), "at": at})}
    open_rows = store.run("personas-open-model", {"ids": list(page)})
    page_activities = _activities(store, [c for c in page if c not in refused], at)
    texts = _customer_text_vectors(store, page, at, model, vectors) if persona_texts else {}
    to_close: list[dict[str, str]] = []
    to_open: list[dict[str, object]] = []
    for customer in page:
        open_weights = {r["persona"]: float(r["weight"]) for r in open_rows if r["customer"] == customer}
        if customer in refused:
            report.refused_profiling += 1
            to_close += [{"customer": customer, "persona": p} for p in open_weights]
            continue
        behaviour = (behaviour_profile(page_activities[customer], at, vocabulary)
                     if customer in page_activities else None)
        weights = persona_weights(behaviour, prototypes, texts.get(customer), persona_texts)
        if not weights:
            continue
        report.customers += 1
        close, start = changes(open_weights, weights)
        report.unchanged += len(open_weights) - len(close)
        to_close += [{"customer": customer, "persona": p} for p in close]
        to_open += [{"customer": customer, "persona": p, "weight": w} for p, w in start.items()]
    if to_close or to_open:
        changed = sorted({r["customer"] for r in to_close} | {str(r["customer"]) for r in to_open})
        repair(store, changed, lambda: _write_assignments(store, to_close, to_open, at, report.source), lock=lock)
    report.closed += len(to_close)
    report.opened += len(to_open)


def _write_assignments(store: GraphStore, to_close: list[dict[str, str]], to_open: list[dict[str, object]], at: int,
                       source: str) -> None:
    if to_close:
        store.run("personas-close", {"rows": to_close, "at": at})
    if to_open:
        store.run("personas-open", {"rows": to_open, "at": at, "source": source})


def _saved_run(checkpoint: Path | None, source: str, at: int | None) -> dict[str, Any] | None:
    """The run `checkpoint` holds, when it can be resumed: same model, and no other `at` asked for."""
    if checkpoint is None:
        return None
    try:
        saved = json.loads(checkpoint.read_text())
    except (OSError, ValueError):
        return None
    if (not isinstance(saved, dict) or saved.get("source") != source or not isinstance(saved.get("at"), int)
            or not isinstance(saved.get("after"), str) or (at is not None and at != saved["at"])):
        return None
    return saved


def _save_run(checkpoint: Path, state: Mapping[str, Any]) -> None:
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    partial = checkpoint.with_name(checkpoint.name + ".partial")
    partial.write_text(json.dumps(state) + "\n")
    os.replace(partial, checkpoint)  # a kill never leaves half a checkpoint


def _activities(store: GraphStore, customer_ids: Sequence[str], at: int) -> dict[str, list[Activity]]:
    found: dict[str, list[Activity]] = {}
    for start in range(0, len(customer_ids), CUSTOMER_PAGE):
        rows = store.run("personas-activities", {"ids": list(customer_ids[start:start + CUSTOMER_PAGE]), "at": at})
        for r in rows:
            found.setdefault(r["customer"], []).append(Activity(
                int(r["ts"]), r["channel"], r["stage"], tuple(r["frictions"] or ()),
                float(r["value"]) if isinstance(r["value"], int | float) else None))
    return found


def _customer_text_vectors(store: GraphStore, customer_ids: Sequence[str], at: int, model: str,
                           vectors: dict[str, Vector]) -> dict[str, Vector]:
    """Each customer's recency-weighted mean text embedding; `vectors` caches embeddings by hash across steps (the
    rows name the hash, so a text many customers share is read once, not once per interaction)."""
    rows = store.run("personas-customer-texts", {"ids": list(customer_ids), "at": at, "model": model})
    missing = sorted({r["hash"] for r in rows} - vectors.keys())
    for r in store.run("embedding-vectors", {"hashes": missing}) if missing else []:
        vectors[r["hash"]] = np.asarray(r["vector"], dtype=np.float64)
    by_customer: dict[str, list[tuple[Vector, float]]] = {}
    for r in rows:
        if r["hash"] in vectors:
            by_customer.setdefault(r["customer"], []).append((vectors[r["hash"]], recency_weight(int(r["ts"]), at)))
    return {c: v for c, vectors in by_customer.items() if (v := mean_direction(vectors)) is not None}


def _persona_text_vectors(store: GraphStore, model: str) -> dict[str, Vector]:
    by_persona: dict[str, list[tuple[Vector, float]]] = {}
    for r in store.run("personas-persona-texts", {"model": model}):
        by_persona.setdefault(r["persona"], []).append((np.asarray(r["vector"], dtype=np.float64), 1.0))
    return {p: v for p, vectors in by_persona.items() if (v := mean_direction(vectors)) is not None}
