"""The API's deadline (issue 11, items 3 and 5): the store stops a read at DTC_API_DEADLINE_MS and the caller gets
DEADLINE_EXCEEDED; while store calls take that long, the event loop stays free and /healthz answers at once."""

from __future__ import annotations

import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from api_client import MakeApi, Serve
from test_api_hostile_queries import assert_health_answered_meanwhile, healthz_seconds, post

from graph.falkordb_store import FalkorDBStore
from graph.settings import ApiLimits, Settings
from graph.store import GraphStore
from ingest.batch import ingest_files
from ingest.generator import generate

# a question that always scans the interactions (no live state serves it) and takes ~100 ms on this data: FalkorDB
# checks a query's TIMEOUT from a timer, which a busy machine delays by tens of ms, so a question of a few ms (such as
# journeyMap, read from the live state) can finish before its 1 ms deadline is noticed
FUNNEL = """{ funnel(steps: [{stage: "awareness"}, {stage: "consideration"}, {stage: "purchase"}], windowDays: 30) {
  steps { customers } } }"""


def test_a_question_past_the_deadline_is_stopped_by_the_store(store: GraphStore, store_settings: Settings,
                                                              make_api: MakeApi, tmp_path: Path) -> None:
    made = generate(tmp_path / "demo", customers=300, seed=11)  # ~3,400 events
    ingest_files(store, store_settings, catalog=made.catalog_path, customers=[made.customers_path],
                 events=[made.events_path], rejects=tmp_path / "rejects.jsonl")
    assert make_api().data(FUNNEL)["funnel"]["steps"]
    cut = make_api(limits=ApiLimits(rate_per_second=0, deadline_ms=1))
    status, body = cut.gql(FUNNEL)
    assert status == 200 and body["data"] is None, body
    error = body["errors"][0]
    assert error["extensions"]["code"] == "DEADLINE_EXCEEDED" and error["extensions"]["requestId"], error
    assert "deadline of 1 ms" in error["message"] and "DTC_API_DEADLINE_MS" in error["message"]
    assert cut.client.get("/healthz").status_code == 200


@pytest.mark.falkordb_only("CLIENT PAUSE holds the FalkorDB server the questions wait on")
def test_health_answers_at_once_while_four_deadline_length_queries_run(sydney: FalkorDBStore, serve: Serve) -> None:
    url = serve(DTC_API_DEADLINE_MS="3000")
    held_ms = 1500
    # CLIENT PAUSE holds every command on the store's server, so each query below waits there for ~1.5 s
    sydney.redis().execute_command("CLIENT", "PAUSE", held_ms, "ALL")
    started = time.monotonic()
    with ThreadPoolExecutor(4) as callers:
        queries = [callers.submit(post, url, '{ personas { code customers } stats { totalNodes } }')
                   for _ in range(4)]
        probes = []
        while not all(q.done() for q in queries):
            probes.append(healthz_seconds(url))
            time.sleep(0.02)
        answers = [q.result() for q in queries]
    for status, body, seconds in answers:
        assert status == 200 and not body.get("errors") and body["data"]["stats"]["totalNodes"] > 0, body
        assert seconds > 0.5 * held_ms / 1000  # they really waited on the store
    assert time.monotonic() - started < 30
    assert_health_answered_meanwhile(probes)
    with urllib.request.urlopen(url + "/readyz", timeout=10) as ready:
        assert json.loads(ready.read())["status"] == "ready"
