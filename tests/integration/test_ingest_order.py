"""The same events in any order, in any batch sizes, through batch files or the stream, with the customer file before,
between or after them, give the same graph: equal `dtc stats` and an equal journey fingerprint."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from graph.fingerprint import fingerprint
from graph.live_state.verify import verify
from graph.settings import Settings
from graph.store import GraphStore
from ingest.batch import ingest_files
from ingest.generator import generate
from ingest.stream import EventStream, accept_events, run_worker

PERMUTATIONS = 20
BATCH_SIZES = (1, 2, 7, 30, 5000)


@dataclass(frozen=True)
class Twin:
    store: GraphStore
    settings: Settings
    name: str


NewTwin = Callable[[], Twin]


@pytest.fixture
def new_twin(store: GraphStore, store_settings: Settings, tmp_path: Path) -> NewTwin:
    """The test's store emptied for the next way of loading the events, with a state folder (checkpoints, rejects) of
    its own. One graph at a time works on every engine (a Neo4j Community server has one database)."""
    made = itertools.count()

    def make() -> Twin:
        store.clear()
        name = f"twin{next(made)}"
        return Twin(store, replace(store_settings, state_dir_override=str(tmp_path / name)), name)

    return make


def tricky_events(folder: Path, customers: int, seed: int) -> tuple[list[str], Path]:
    """The generator's events and customer file, made harder for linking and identity resolution: half the customers
    lose their session ids (journeys are then cut by the 30-day gap, and a late event can bridge two of them), and a
    third of them first browse anonymously with a cookie, tied to them by a later event (an identity merge). The
    generator's own tracker events carry only a crm_id that the customer file knows."""
    report = generate(folder, customers=customers, seed=seed, include_sydney=False)
    rows = [json.loads(line) for line in report.events_path.read_text().splitlines()]
    by_customer: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_customer.setdefault(row.get("customer_id") or "", []).append(row)
    for n, (customer, events) in enumerate(sorted(by_customer.items())):
        if not customer:
            continue
        if n % 2:
            for event in events:
                event.pop("session_id", None)
        if n % 3 == 0 and len(events) >= 3:
            cookie = f"ck-{customer}"
            del events[0]["customer_id"]
            events[0]["identities"] = {"cookie_id": cookie}
            events[-1]["identities"] = {"cookie_id": cookie}  # the login that ties the cookie to the customer
    return [json.dumps(row) for row in rows], report.customers_path


def load(twin: Twin, segments: list[tuple[str, int, list[str]]], customers: Path, customers_at: int,
         folder: Path) -> None:
    """Ingest each segment (how, batch size, lines) in turn, and the customer file before segment `customers_at`."""
    for n, (how, batch_size, lines) in enumerate([*segments, ("none", 0, [])]):
        if n == customers_at:
            ingest_files(twin.store, twin.settings, customers=[customers])
        if how == "batch":
            source = folder / f"{twin.name}-{n}.jsonl"
            source.write_text("".join(f"{line}\n" for line in lines))
            ingest_files(twin.store, twin.settings, events=[source], batch_size=batch_size)
        elif how == "stream":
            stream = EventStream.connect(twin.store, twin.settings)
            accepted = accept_events("\n".join(lines).encode(), "application/x-ndjson", stream)
            assert accepted.accepted == len(lines)
            run_worker(twin.store, twin.settings, once=True, batch_size=batch_size)


def graph_of(store: GraphStore) -> tuple[dict[str, Any], str]:
    stats = store.stats()
    return {**stats["nodes"], **stats["relationships"]}, fingerprint(store)


def test_any_order_batch_sizes_and_ways_in_give_the_same_graph(new_twin: NewTwin, tmp_path: Path) -> None:
    lines, customers = tricky_events(tmp_path / "data", customers=24, seed=5)
    reference = new_twin()
    load(reference, [("batch", 5000, lines)], customers, 0, tmp_path)
    expected = graph_of(reference.store)
    assert expected[0]["Interaction"] == len(lines) and expected[0]["Journey"] > 24

    for seed in range(PERMUTATIONS):
        rng = random.Random(seed)
        order = lines[:]
        rng.shuffle(order)
        cuts = sorted(rng.sample(range(1, len(order)), rng.randint(0, 3)))
        segments = [(rng.choice(["batch", "stream"]), rng.choice(BATCH_SIZES), order[a:b])
                    for a, b in zip([0, *cuts], [*cuts, len(order)], strict=True)]
        twin = new_twin()
        load(twin, segments, customers, rng.randint(0, len(segments)), tmp_path)
        got = graph_of(twin.store)
        plan = [(how, size, len(part)) for how, size, part in segments]
        assert got[0] == expected[0], f"permutation {seed} ({plan}): dtc stats differ"
        assert got[1] == expected[1], f"permutation {seed} ({plan}): journeys differ"
        assert verify(twin.store) == [], f"permutation {seed} ({plan}): the live state differs from a recount"


def test_the_fingerprint_sees_a_journey_left_empty(new_twin: NewTwin, tmp_path: Path) -> None:
    twin = new_twin()
    lines, customers = tricky_events(tmp_path / "data", customers=3, seed=2)
    load(twin, [("batch", 5000, lines)], customers, 0, tmp_path)
    before = fingerprint(twin.store)
    twin.store.write("CREATE (:Journey {id: 'c000001:ghost', customer_id: 'c000001'})")
    assert fingerprint(twin.store) != before


@pytest.mark.slow
def test_33k_generated_events_shuffled_give_the_graph_of_the_file_order(new_twin: NewTwin, tmp_path: Path) -> None:
    """The demo's scale: 3,000 customers, ~35,000 events, in file order and shuffled, in batches of 5,000 and 999."""
    report = generate(tmp_path / "data", customers=3000, seed=7)
    lines = report.events_path.read_text().splitlines()
    random.Random(1).shuffle(lines)
    shuffled = tmp_path / "shuffled.jsonl"
    shuffled.write_text("".join(f"{line}\n" for line in lines))
    graphs = []
    for events, batch_size in ((report.events_path, 5000), (shuffled, 999)):
        twin = new_twin()
        ingest_files(twin.store, twin.settings, customers=[report.customers_path], events=[events],
                     batch_size=batch_size)
        graphs.append(graph_of(twin.store))
        empty = twin.store.read("MATCH (j:Journey) WHERE NOT (j)-[:INCLUDES]->() RETURN count(j) AS n")
        assert empty == [{"n": 0}]
    assert graphs[1] == graphs[0]
