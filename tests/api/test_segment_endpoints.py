"""The Segment HTTP Tracking API's shape (api/segment.py) over the real app, stream and worker: authentication as each
SDK sends it, the answers they treat as success, gzip and its limit, CORS on /v1/* only, and development mode."""

from __future__ import annotations

import base64
import gzip
import json
import time
from typing import Any

import redis
from api_client import KEYS, OPEN, MakeApi
from running_worker import RunningWorker

from graph.settings import ApiLimits
from graph.store import GraphStore
from ingest.stream import stream_redis_url

BASIC = {"Authorization": "Basic " + base64.b64encode(b"ing-key:").decode()}


def message(kind: str, message_id: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "messageId": message_id, "timestamp": "2024-05-01T10:00:00.000Z", **fields}


def batch(*messages: dict[str, Any], **envelope: Any) -> dict[str, Any]:
    return {"batch": list(messages), "sentAt": "2024-05-01T10:00:01.000Z", **envelope}


def interactions(store: GraphStore) -> list[str]:
    return [r["id"] for r in store.read("MATCH (i:Interaction) RETURN i.id AS id ORDER BY id")]


def test_a_batch_with_a_basic_write_key_is_applied_and_answered_200_success(
        make_api: MakeApi, worker: RunningWorker, store: GraphStore) -> None:
    api = make_api(keys=KEYS)
    body = batch(message("track", "t1", userId="u1", event="Order Completed", properties={"revenue": 9.5}),
                 message("page", "p1", anonymousId="a1", properties={"path": "/offers/x"}),
                 message("identify", "i1", userId="u1", anonymousId="a1", traits={"email": "u1@example.org"}))
    r = api.client.post("/v1/batch", json=body, headers=BASIC)
    assert (r.status_code, r.json()) == (200, {"success": True})
    worker.drain()
    assert interactions(store) == ["p1", "t1"]
    owner = store.read("MATCH (i:Interaction {id: 'p1'})<-[:PERFORMED]-(c:Customer) RETURN c.id AS id")
    assert owner == [{"id": "u1"}]  # the anonymous page view joined the known customer


def test_the_import_path_of_the_ruby_library_takes_batches(
        make_api: MakeApi, worker: RunningWorker, store: GraphStore) -> None:
    api = make_api(keys=KEYS)
    r = api.client.post("/v1/import", json=batch(message("track", "r1", userId="u1", event="Viewed")), headers=BASIC)
    assert (r.status_code, r.json()) == (200, {"success": True})
    worker.drain()
    assert interactions(store) == ["r1"]


def test_every_way_to_send_the_key_works_and_a_wrong_one_is_401_with_code_and_message(
        make_api: MakeApi, worker: RunningWorker, store: GraphStore) -> None:
    api = make_api(keys=KEYS)
    one = message("track", "k1", userId="u1", event="Viewed")
    as_text = json.dumps({**one, "writeKey": "ing-key"})
    r = api.client.post("/v1/t", content=as_text, headers={"Content-Type": "text/plain"})
    assert (r.status_code, r.json()) == (200, {"success": True})
    r = api.client.post("/v1/track", json={**one, "messageId": "k2"}, headers={"Authorization": "Bearer ing-key"})
    assert r.status_code == 200
    r = api.client.post("/v1/batch", json=batch({**one, "messageId": "k3"}, writeKey="ing-key"))
    assert r.status_code == 200  # analytics-python 2.3: the key in a JSON body only
    for headers, body in (({}, batch(one)), ({"Authorization": "Basic " + base64.b64encode(b"nope:").decode()},
                                              batch(one)), ({}, batch(one, writeKey="nope"))):
        r = api.client.post("/v1/batch", json=body, headers=headers)
        assert r.status_code == 401 and r.json()["code"] == "UNAUTHENTICATED" and r.json()["message"], r.text
    r = api.client.post("/v1/batch", json=batch(one, writeKey="ana-key"))
    assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN"
    worker.drain()
    assert interactions(store) == ["k1", "k2", "k3"]


def test_a_malformed_message_is_rejected_with_a_reason_while_the_rest_is_applied(
        make_api: MakeApi, worker: RunningWorker, store: GraphStore) -> None:
    api = make_api(keys=KEYS)
    body = batch(message("track", "ok1", userId="u1", event="Viewed"),
                 message("track", "bad-csat", userId="u1", event="Rated", properties={"csat": 9}),
                 message("track", "no-user", event="Viewed"),
                 message("launch", "bad-type", userId="u1"),
                 message("page", "ok2", userId="u1"))
    r = api.client.post("/v1/batch", json=body, headers=BASIC)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["success"] is True
    assert [(x["messageId"], x["reason"]) for x in answer["rejected"]] == [
        ("bad-csat", "out_of_range: csat 9 is outside 1..5"),
        ("no-user", "missing_field: a message needs a userId or an anonymousId"),
        ("bad-type", "invalid_value: type 'launch' is not one of track, page, screen, identify, group, alias")]
    worker.drain()
    assert interactions(store) == ["ok1", "ok2"]


def test_a_message_whose_corrected_time_is_no_date_is_rejected_while_the_rest_is_applied(
        make_api: MakeApi, worker: RunningWorker, store: GraphStore) -> None:
    # stamped in year 1 and sent in year 9999 by its clock: arrival - (sentAt - timestamp) is before year 1
    api = make_api(keys=KEYS)
    body = batch(message("track", "ok1", userId="u1", event="Viewed"),
                 message("track", "skewed", userId="u1", event="Viewed", timestamp="0001-01-01T00:00:00Z",
                         sentAt="9999-12-31T00:00:00Z"))
    r = api.client.post("/v1/batch", json=body, headers=BASIC)
    assert r.status_code == 200, r.text
    [rejected] = r.json()["rejected"]
    assert rejected["messageId"] == "skewed" and rejected["reason"].startswith("invalid_ts:"), rejected
    worker.drain()
    assert interactions(store) == ["ok1"]


def test_the_same_batch_twice_changes_nothing(make_api: MakeApi, worker: RunningWorker, store: GraphStore) -> None:
    api = make_api(keys=KEYS)
    body = batch(message("track", "d1", userId="u1", event="Viewed"),
                 message("identify", "d2", userId="u1", traits={"plan": "pro", "name": "Ann"}),
                 message("group", "d3", userId="u1", groupId="acme", traits={"name": "Acme"}),
                 message("alias", "d4", userId="u1", previousId="a-7"))
    assert api.client.post("/v1/batch", json=body, headers=BASIC).status_code == 200
    worker.drain()
    before = store.stats()
    assert api.client.post("/v1/batch", json={**body, "sentAt": "2024-05-01T10:00:09.000Z"},
                           headers=BASIC).status_code == 200
    worker.drain()
    assert store.stats() == before


def test_unreadable_bodies_are_400_with_code_and_message(make_api: MakeApi) -> None:
    api = make_api(keys=KEYS)
    for content in (b"{not json", b'{"batch": "no"}', b"[1, 2]", b'{"batch": [' + b"[" * 200 + b"]" * 200 + b"]}"):
        r = api.client.post("/v1/batch", content=content, headers={**BASIC, "Content-Type": "application/json"})
        assert r.status_code == 400, (content[:20], r.text)
        assert r.json()["code"] == "MALFORMED_BODY" and r.json()["message"]
    r = api.client.post("/v1/batch", content=b"\x1f\x8b broken", headers={**BASIC, "Content-Encoding": "gzip"})
    assert r.status_code == 400 and r.json()["code"] == "MALFORMED_BODY"


def test_gzip_bodies_are_read_and_the_size_limit_applies_once_inflated(
        make_api: MakeApi, worker: RunningWorker, store: GraphStore) -> None:
    api = make_api(keys=KEYS, limits=ApiLimits(rate_per_second=0, max_body_bytes=200_000))
    small = gzip.compress(json.dumps(batch(message("track", "z1", userId="u1", event="Viewed"))).encode())
    r = api.client.post("/v1/batch", content=small, headers={**BASIC, "Content-Encoding": "gzip",
                                                             "Content-Type": "application/json"})
    assert (r.status_code, r.json()) == (200, {"success": True})
    padding = " " * 5_000_000  # valid JSON whitespace: 5 MB inflated from a few KB
    bomb = gzip.compress(('{"batch": []' + padding + "}").encode())
    assert len(bomb) < 200_000
    r = api.client.post("/v1/batch", content=bomb, headers={**BASIC, "Content-Encoding": "gzip"})
    assert r.status_code == 413 and r.json()["code"] == "PAYLOAD_TOO_LARGE"
    worker.drain()
    assert interactions(store) == ["z1"]


def test_over_the_rate_limit_is_429_with_retry_after_whatever_carries_the_key(make_api: MakeApi) -> None:
    api = make_api(keys=KEYS, limits=ApiLimits(rate_per_second=0.01, burst=1))
    one = batch(message("track", "r1", userId="u1", event="Viewed"))
    assert api.client.post("/v1/batch", json=one, headers=BASIC).status_code == 200
    r = api.client.post("/v1/batch", json=one, headers=BASIC)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1 and r.json()["code"] == "RATE_LIMITED"
    in_body = api.client.post("/v1/batch", json={**one, "writeKey": "ing-key"})
    assert in_body.status_code == 429 and int(in_body.headers["Retry-After"]) >= 1


def test_the_browser_settings_point_the_library_back_at_the_twin(make_api: MakeApi) -> None:
    api = make_api(keys=KEYS)
    r = api.client.get("/v1/projects/ing-key/settings", headers={"Origin": "https://shop.example"})
    assert r.status_code == 200
    assert r.json()["integrations"]["Segment.io"] == {"apiKey": "ing-key", "apiHost": "localhost/v1",
                                                      "protocol": "http"}
    assert r.headers["access-control-allow-origin"] == "https://shop.example"
    assert api.client.get("/v1/projects/unknown/settings").status_code == 404
    assert api.client.get("/v1/projects/ana-key/settings").status_code == 404  # not a key that may post events


def test_cors_answers_preflights_on_v1_only(make_api: MakeApi) -> None:
    api = make_api(keys=KEYS)
    preflight = {"Origin": "https://shop.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    r = api.client.options("/v1/t", headers=preflight)
    assert r.status_code == 204
    assert r.headers["access-control-allow-origin"] == "https://shop.example"
    assert "authorization" in r.headers["access-control-allow-headers"].lower()
    r = api.client.post("/v1/batch", json=batch(), headers={**BASIC, "Origin": "https://shop.example"})
    assert r.headers["access-control-allow-origin"] == "https://shop.example"
    other = api.client.options("/graphql", headers=preflight)
    assert "access-control-allow-origin" not in other.headers
    r = api.client.post("/events", json=[], headers={"Authorization": "Bearer ing-key", "Origin": "https://x.example"})
    assert "access-control-allow-origin" not in r.headers


def test_development_mode_takes_text_plain_on_v1_only_from_no_origin_or_a_loopback_one(
        make_api: MakeApi, worker: RunningWorker, store: GraphStore) -> None:
    api = make_api(keys={}, limits=OPEN)
    plain = {"Content-Type": "text/plain"}
    body = json.dumps(message("track", "dev1", userId="u1", event="Viewed"))
    assert api.client.post("/v1/t", content=body, headers=plain).status_code == 200
    local = api.client.post("/v1/t", content=body.replace("dev1", "dev2"),
                            headers={**plain, "Origin": "http://127.0.0.1:5173"})
    assert local.status_code == 200
    foreign = api.client.post("/v1/t", content=body.replace("dev1", "dev3"),
                              headers={**plain, "Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "access-control-allow-origin" not in foreign.headers
    preflight = api.client.options("/v1/t", headers={"Origin": "https://evil.example",
                                                     "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers
    assert api.client.post("/events", content=body, headers=plain).status_code == 415  # only /v1/* takes text
    worker.drain()
    assert interactions(store) == ["dev1", "dev2"]


def test_a_stalled_stream_is_a_503_with_retry_after_and_the_resend_is_applied_once(
        make_api: MakeApi, worker: RunningWorker, store: GraphStore) -> None:
    api = make_api(keys=KEYS, limits=ApiLimits(rate_per_second=0, deadline_ms=300))
    body = batch(*(message("track", f"st{i:03d}", userId="u1", event="Viewed") for i in range(300)))
    paused_ms = 1500
    carrier = redis.Redis.from_url(stream_redis_url(store))
    carrier.execute_command("CLIENT", "PAUSE", paused_ms, "ALL")  # the stream's Redis answers nothing for 1.5 s
    carrier.close()
    r = api.client.post("/v1/batch", json=body, headers=BASIC)
    assert r.status_code == 503 and r.json()["code"] == "STORE_UNAVAILABLE" and r.headers["retry-after"] == "1"
    time.sleep(paused_ms / 1000 + 0.3)
    assert api.client.post("/v1/batch", json=body, headers=BASIC).status_code == 200  # what the SDKs do on a 503
    worker.drain()
    assert len(interactions(store)) == 300  # each message once, whether the first post was queued or not
