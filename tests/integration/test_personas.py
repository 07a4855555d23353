"""Dynamic personas on a real graph with the real model: a customer moves from one persona to another."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from intelligence_graph import DAY_MS, add_customer, add_events, load_catalog, ms, rows_returned

from graph import paging, personas
from graph.embeddings import Embedder
from graph.enrichment import enrich
from graph.personas import assign_personas
from graph.store import GraphStore
from graph.writer_lock import WriterLock

CATALOG: dict[str, Any] = {
    "personas": [
        {"code": "bargain-hunter", "name": "Bargain hunter",
         "description": "Price-conscious shopper who compares prices online and hunts for discounts and cheap deals.",
         "empathy": {"say": ["Is there a cheaper option?"], "do": ["Waits for the sales"]}},
        {"code": "salon-regular", "name": "Salon regular",
         "description": "Busy professional who books salon appointments and values expert stylists over price.",
         "empathy": {"say": ["I trust my stylist"], "do": ["Books the next appointment before leaving"]}},
    ],
    "channels": [{"code": "web", "name": "Website"}, {"code": "salon", "name": "Salon"}],
    "touchpoints": [
        {"code": "product_page", "channel": "web", "stage": "consideration"},
        {"code": "checkout", "channel": "web", "stage": "purchase"},
        {"code": "colour_appointment", "channel": "salon", "stage": "purchase"},
    ],
}
BARGAIN_TEXTS = ["I found the same shampoo cheaper elsewhere.", "Is there a discount code for the sale?",
                 "Prices went up again, too expensive."]
SALON_TEXTS = ["My stylist did a wonderful job with my colour.", "Booked my next appointment with the same stylist.",
               "The salon team gave me expert advice."]
T1 = ms("2024-04-01T00:00:00Z")
T2 = ms("2024-10-01T00:00:00Z")

UNLOCKED = WriterLock(None, "tests")  # one writer at a time in these tests


def _web_visits(customer: str, start: int, count: int) -> list[dict[str, Any]]:
    return [{"event_id": f"{customer}-web-{start}-{n}", "customer_id": customer, "ts": start + n * 7 * DAY_MS,
             "channel": "web", "touchpoint": "product_page" if n % 2 else "checkout",
             "type": "feedback", "text": BARGAIN_TEXTS[n % 3]} for n in range(count)]


def _salon_visits(customer: str, start: int, count: int) -> list[dict[str, Any]]:
    return [{"event_id": f"{customer}-salon-{start}-{n}", "customer_id": customer, "ts": start + n * 14 * DAY_MS,
             "channel": "salon", "touchpoint": "colour_appointment", "type": "purchase", "value": 80.0,
             "text": SALON_TEXTS[n % 3]} for n in range(count)]


@pytest.fixture
def twin(store: GraphStore) -> GraphStore:
    load_catalog(store, CATALOG)
    events: list[dict[str, Any]] = []
    for n in range(3):
        add_customer(store, f"bargain-{n}", [{"persona": "bargain-hunter", "weight": 1.0, "source": "declared"}])
        events += _web_visits(f"bargain-{n}", ms("2024-01-01T00:00:00Z"), 6)
        add_customer(store, f"salon-{n}", [{"persona": "salon-regular", "weight": 1.0, "source": "rule:visits"}])
        events += _salon_visits(f"salon-{n}", ms("2024-01-01T00:00:00Z"), 6)
    add_customer(store, "mia")
    events += _web_visits("mia", ms("2024-01-15T00:00:00Z"), 8)
    add_events(store, events)
    return store


def _history(store: GraphStore, customer: str) -> list[dict[str, Any]]:
    return store.read("MATCH (:Customer {id: $id})-[s:SHOWS]->(p:Persona) RETURN p.code AS persona, "
                      "s.weight AS weight, s.since AS since, s.until AS until, s.source AS source "
                      "ORDER BY since, persona", {"id": customer})


def test_a_customer_moves_from_bargain_hunter_to_salon_regular(twin: GraphStore, embedder: Embedder) -> None:
    enrich(twin, embedder)
    first = assign_personas(twin, embedder, at=T1, lock=UNLOCKED)
    assert first.parts == ("behaviour", "text")
    assert first.exemplars == {"bargain-hunter": 3, "salon-regular": 3}
    assert first.customers == 7
    [early] = _history(twin, "mia")
    assert (early["persona"], early["since"], early["until"], early["source"]) == (
        "bargain-hunter", T1, None, "model:all-MiniLM-L6-v2")
    assert early["weight"] > 0.9

    # over the summer Mia becomes a salon regular
    add_events(twin, _salon_visits("mia", ms("2024-06-01T00:00:00Z"), 8))
    enrich(twin, embedder)
    second = assign_personas(twin, embedder, at=T2, lock=UNLOCKED)

    history = _history(twin, "mia")
    assert [(h["persona"], h["since"], h["until"]) for h in history if h["persona"] == "bargain-hunter"][0] == (
        "bargain-hunter", T1, T2)  # the earlier assignment is closed, not overwritten
    now = {h["persona"]: h["weight"] for h in history if h["until"] is None}
    assert now["salon-regular"] > 0.75
    assert now.get("bargain-hunter", 0.0) < 0.25
    assert second.closed >= 1 and second.opened >= 1

    # the same data scored again at the same moment changes nothing
    again = assign_personas(twin, embedder, at=T2, lock=UNLOCKED)
    assert (again.opened, again.closed) == (0, 0)
    assert len(_history(twin, "mia")) == len(history)


def test_declared_and_rule_assignments_are_never_touched(twin: GraphStore, embedder: Embedder) -> None:
    enrich(twin, embedder)
    assign_personas(twin, embedder, at=T1, lock=UNLOCKED)
    assign_personas(twin, embedder, at=T2, lock=UNLOCKED)
    kept = twin.read("MATCH ()-[s:SHOWS]->() WHERE s.source = 'declared' OR s.source STARTS WITH 'rule:' "
                     "RETURN count(s) AS n, sum(s.weight) AS weight, count(s.until) AS closed")
    assert kept == [{"n": 6, "weight": 6.0, "closed": 0}]


def test_a_customer_who_refused_profiling_is_not_scored(twin: GraphStore, embedder: Embedder) -> None:
    enrich(twin, embedder)
    assign_personas(twin, embedder, at=T1, lock=UNLOCKED)
    assert _history(twin, "mia")
    add_customer(twin, "mia", consents=[{"purpose": "profiling", "granted": False, "ts": T1 + DAY_MS}])

    report = assign_personas(twin, embedder, at=T2, lock=UNLOCKED)
    assert report.refused_profiling == 1
    assert [h["until"] for h in _history(twin, "mia")] == [T2]  # profiling stopped: the open assignment ended


def test_an_undated_profiling_refusal_stops_scoring_too(twin: GraphStore, embedder: Embedder) -> None:
    """An undated decision is older than any dated one, but with no other decision it is the one that counts."""
    enrich(twin, embedder)
    add_customer(twin, "mia", consents=[{"purpose": "profiling", "granted": False}])

    report = assign_personas(twin, embedder, at=T1, lock=UNLOCKED)
    assert report.refused_profiling == 1
    assert _history(twin, "mia") == []


class _CutOff(Exception):
    """The run is stopped here, as a kill between two steps would."""


def test_a_run_cut_off_between_steps_resumes_after_the_last_step_written(
        twin: GraphStore, embedder: Embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Persona scoring works in steps of CUSTOMER_PAGE customers, says how far it is after each, and a run cut off
    resumes from its checkpoint with the same moment: the graph ends as one uninterrupted run leaves it."""
    enrich(twin, embedder)
    monkeypatch.setattr(personas, "CUSTOMER_PAGE", 3)
    checkpoint = tmp_path / "personas.json"
    seen: list[tuple[int, int]] = []

    def cut_after_the_second_step(done: int, total: int) -> None:
        seen.append((done, total))
        if len(seen) == 2:
            raise _CutOff()

    with pytest.raises(_CutOff):
        assign_personas(twin, embedder, checkpoint=checkpoint, progress=cut_after_the_second_step, lock=UNLOCKED)
    assert seen == [(3, 7), (6, 7)]
    saved = json.loads(checkpoint.read_text())
    assert saved["after"] == "salon-1" and saved["counts"]["customers"] == 6  # in id order: bargain-*, mia, salon-*
    written = _assignments(twin)
    assert {a[0] for a in written} == {"bargain-0", "bargain-1", "bargain-2", "mia", "salon-0", "salon-1"}

    resumed = assign_personas(twin, embedder, checkpoint=checkpoint, progress=lambda d, t: seen.append((d, t)),
                               lock=UNLOCKED)
    assert seen[2:] == [(7, 7)]
    assert (resumed.at, resumed.resumed, resumed.customers) == (saved["at"], 6, 7)  # the same moment as the cut run
    assert not checkpoint.exists()
    cut_then_resumed = _assignments(twin)

    # one uninterrupted run at that moment writes the same assignments
    twin.write("MATCH ()-[s:SHOWS]->() WHERE s.source STARTS WITH 'model:' DELETE s")
    whole = assign_personas(twin, embedder, at=resumed.at, lock=UNLOCKED)
    assert _assignments(twin) == cut_then_resumed
    assert (whole.customers, whole.opened) == (resumed.customers, resumed.opened)


def test_scoring_reads_the_whole_twin_a_window_of_ids_at_a_time_and_scores_the_same(
        twin: GraphStore, embedder: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    """Who to score and the exemplars were each one read of the whole twin (2.9 and 1.6 s at 1M interactions, over
    graph.store.SLOW_CALL_S); they are read a window of node ids at a time, and the assignments do not change."""
    enrich(twin, embedder)
    whole = assign_personas(twin, embedder, at=T2, lock=UNLOCKED)
    expected = _assignments(twin)
    assert expected
    twin.write("MATCH ()-[s:SHOWS]->() WHERE s.source STARTS WITH 'model:' DELETE s")
    monkeypatch.setattr(paging, "ID_WINDOW", 2)
    returned = rows_returned(twin, monkeypatch)

    windowed = assign_personas(twin, embedder, at=T2, lock=UNLOCKED)

    assert _assignments(twin) == expected
    assert (windowed.customers, windowed.opened, windowed.exemplars) == (whole.customers, whole.opened,
                                                                         whole.exemplars)
    # a window of two ids holds at most two customers: each read returns at most that many, and all of them together
    # every customer (7) and every exemplar (6) once
    assert max(returned["personas-customers"]) <= 2 and sum(returned["personas-customers"]) == 7
    assert max(returned["personas-exemplars"]) <= 2 and sum(returned["personas-exemplars"]) == 6


def _assignments(store: GraphStore) -> list[tuple[str, str, float, int]]:
    rows = store.read("MATCH (c:Customer)-[s:SHOWS]->(p:Persona) WHERE s.source STARTS WITH 'model:' "
                      "RETURN c.id AS c, p.code AS p, s.weight AS w, s.since AS since ORDER BY c, p")
    return [(r["c"], r["p"], r["w"], r["since"]) for r in rows]
