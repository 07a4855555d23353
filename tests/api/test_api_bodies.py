"""Bodies the API will not read, and a stream that does not answer (issue 11, items 6 and 11): a 400 or a 503 with a
code and the request id, never a bare 500; a batch is queued whole or not at all, and posting it again is safe."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import redis
from api_client import Api, MakeApi

from graph.settings import ApiLimits, Settings
from graph.store import GraphStore
from ingest.stream import EventStream, run_worker, stream_redis_url

HOSTILE = {
    "deeply nested": "[" * 100_000 + "]" * 100_000,
    "nested past 64 levels": "[" * 70 + "1" + "]" * 70,
    "an integer over 4,300 digits": "1" * 5_000,
    "a lone surrogate": '"\\ud800 alone"',
    "a lone surrogate in a key": '{"\\udc00": 1}',
    "NaN": "NaN",
    "a number past a double": "1e400",
    "a key named twice": '{"a": 1, "a": 2}',
}


def event(event_id: str, **more: Any) -> dict[str, Any]:
    return {"event_id": event_id, "customer_id": "sydney", "ts": "2024-04-01T10:00:00Z", "channel": "web",
            "touchpoint": "checkout", "type": "view", **more}


def refused(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["errors"][0]
    assert error["extensions"]["code"] == code, error
    assert error["extensions"]["requestId"] == response.headers["x-request-id"], (error, response.headers)
    return error


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_body_the_api_will_not_read_is_a_400_with_its_reason(api: Api, name: str) -> None:
    value = HOSTILE[name]
    headers = {"Content-Type": "application/json"}
    graphql = '{"query": "query($v: JSON) { __typename }", "variables": {"v": ' + value + "}}"
    error = refused(api.client.post("/graphql", content=graphql, headers=headers), 400, "MALFORMED_BODY")
    assert "JSON" in error["message"]
    events = json.dumps([event("b1")])[:-2] + ', "attributes": {"x": ' + value + "}}]"
    error = refused(api.client.post("/events", content=events, headers=headers), 400, "MALFORMED_BODY")
    assert "Nothing was queued" in error["message"]
    lines = json.dumps(event("b2")) + "\n" + json.dumps(event("b3"))[:-1] + ', "text": ' + value + "}"
    refused(api.client.post("/events", content=lines, headers={"Content-Type": "application/x-ndjson"}), 400,
            "MALFORMED_BODY")
    assert EventStream.connect(api.store, _settings(api)).length() == 0
    assert api.client.get("/healthz").status_code == 200


def test_every_error_answer_carries_a_request_id(keyed: Api) -> None:
    for response in (
        keyed.client.post("/graphql", json={"query": "{ stats { store } }"}),  # 401
        keyed.client.get("/metrics", headers={"Authorization": "Bearer fe-key"}),  # 403
        keyed.client.get("/nowhere"),  # 404
        keyed.client.put("/graphql", headers={"Authorization": "Bearer adm-key"}),  # 405
        keyed.client.post("/graphql", content="{", headers={"Authorization": "Bearer adm-key",
                                                            "Content-Type": "application/json"}),  # 400
        keyed.client.post("/graphql", content="x", headers={"Authorization": "Bearer adm-key",
                                                            "Content-Type": "text/plain"}),  # 400
    ):
        assert response.status_code >= 400
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] and error["extensions"]["requestId"] == response.headers["x-request-id"]
    status, body = keyed.gql("{ nope }", "adm-key")
    assert body["errors"][0]["extensions"]["requestId"]


def _settings(api: Api) -> Settings:
    state: Settings = api.client.app.state.twin.settings  # type: ignore[attr-defined]
    return state


def test_a_stalled_stream_is_a_503_and_the_batch_goes_whole_or_not_at_all(sydney: GraphStore, make_api: MakeApi,
                                                                           store_settings: Settings) -> None:
    api = make_api(limits=ApiLimits(rate_per_second=0, deadline_ms=300))
    batch = [event(f"s{i:04d}", ts=f"2024-04-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z") for i in range(1500)]
    stream = EventStream.connect(sydney, store_settings)
    paused_ms = 1500
    carrier = redis.Redis.from_url(stream_redis_url(sydney))
    carrier.execute_command("CLIENT", "PAUSE", paused_ms, "ALL")  # the stream's Redis answers nothing for 1.5 s
    carrier.close()
    started = time.monotonic()
    response = api.client.post("/events", json=batch)
    error = refused(response, 503, "STORE_UNAVAILABLE")
    assert "post the same body again" in error["message"] and response.headers["retry-after"] == "1"
    assert time.monotonic() - started < paused_ms / 1000  # answered at the deadline, not when Redis came back
    time.sleep(max(0.0, paused_ms / 1000 - (time.monotonic() - started)) + 0.3)
    assert stream.length() in (0, len(batch))  # MULTI/EXEC: never part of the batch
    again = api.client.post("/events", json=batch)
    assert again.status_code == 202 and again.json()["accepted"] == len(batch)
    run_worker(sydney, store_settings, once=True)
    found = sydney.read("MATCH (i:Interaction) WHERE i.id STARTS WITH 's' RETURN count(i) AS n")
    assert found == [{"n": len(batch)}]  # each event once, whether the first post was queued or not


def test_a_body_that_is_not_a_json_object_is_a_400(api: Api) -> None:
    # found by test_api_property: strawberry read the fields of whatever JSON came, and a number gave a 500
    for body in ("9" * 4000, "null", '"query"', "true"):
        refused(api.client.post("/graphql", content=body, headers={"Content-Type": "application/json"}), 400,
                "MALFORMED_BODY")


def test_a_nul_in_any_text_argument_is_bad_user_input_before_anything_runs(api: Api) -> None:
    # found by test_api_property: FalkorDB reads parameters as C text, so a NUL cut the query and gave a 500
    before = api.store.round_trips
    for document, variables in [('{ journeyPaths(persona: "a\\u0000b") { variants { journeys } } }', {}),
                                ('query($p: String!) { persona(code: $p) { code } }', {"p": "\x00"}),
                                ('mutation($e: EventInput!) { recordEvent(input: $e) { accepted } }',
                                 {"e": {"eventId": "n1", "customerId": "sydney", "ts": "2024-04-01T10:00:00Z",
                                        "channel": "web", "touchpoint": "checkout", "type": "view",
                                        "text": "no\x00pe"}})]:
        status, body = api.gql(document, **variables)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        assert "NUL character" in body["errors"][0]["message"]
    assert api.store.round_trips == before
