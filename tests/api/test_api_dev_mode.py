"""Development mode, no keys, everyone admin (issue 11, item 7): only requests a web page of another site cannot make
a browser send: loopback Host names, JSON bodies, no cross-origin writes or WebSockets; and the dashboard's customer
lookup redirects on this server whatever the Host header says."""

from __future__ import annotations

import json

import pytest
from api_client import Api
from starlette.websockets import WebSocketDisconnect

from api.auth import loopback_host, loopback_origin

EVENT = {"event_id": "dev1", "customer_id": "sydney", "ts": "2024-04-01T10:00:00Z", "channel": "web",
         "touchpoint": "checkout", "type": "view"}
QUERY = {"query": "{ stats { store } }"}


def code(response: object) -> str:
    body = response.json()  # type: ignore[attr-defined]
    return str(body["errors"][0]["extensions"]["code"])


def test_only_loopback_host_names_are_answered(api: Api) -> None:
    for host in ("localhost", "localhost:8000", "127.0.0.1", "127.0.0.1:9", "[::1]", "[::1]:8000"):
        assert api.client.post("/graphql", json=QUERY, headers={"Host": host}).status_code == 200, host
    for host in ("evil.example", "evil.example:8000", "localhost.evil.example", "127.0.0.1.nip.io", "0.0.0.0", ""):
        response = api.client.get("/healthz", headers={"Host": host})
        assert response.status_code == 403 and code(response) == "FORBIDDEN", host
        assert "localhost" in response.json()["errors"][0]["message"]


def test_writes_from_another_origin_and_non_json_bodies_are_refused(api: Api) -> None:
    body = json.dumps([EVENT])
    for origin in ("http://evil.example", "null", "http://localhost.evil.example", "file://"):
        response = api.client.post("/events", content=body, headers={"Content-Type": "application/json",
                                                                     "Origin": origin})
        assert response.status_code == 403 and code(response) == "FORBIDDEN", origin
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""):
        response = api.client.post("/events", content=body, headers={"Content-Type": content_type})
        assert response.status_code == 415 and code(response) == "UNSUPPORTED_MEDIA_TYPE", content_type
    for origin in (None, "http://localhost:8000", "http://127.0.0.1:5173", "https://[::1]"):
        headers = {"Content-Type": "application/json", **({"Origin": origin} if origin else {})}
        assert api.client.post("/events", content=body, headers=headers).status_code == 202, origin
    assert api.client.post("/events", content=json.dumps(EVENT), headers={
        "Content-Type": "application/x-ndjson"}).status_code == 202
    # reads stay open to any origin's page on loopback: they change nothing
    assert api.client.get("/healthz", headers={"Origin": "http://evil.example"}).status_code == 200


def test_websockets_from_another_origin_are_refused(api: Api) -> None:
    with pytest.raises(WebSocketDisconnect), api.client.websocket_connect(
            "ws://localhost/graphql", subprotocols=["graphql-transport-ws"],
            headers={"Origin": "http://evil.example"}) as ws:
        ws.receive_json()
    with pytest.raises(WebSocketDisconnect), api.client.websocket_connect(
            "ws://evil.example/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.receive_json()
    with api.client.websocket_connect("ws://localhost/graphql", subprotocols=["graphql-transport-ws"],
                                      headers={"Origin": "http://localhost"}) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive_json()["type"] == "connection_ack"


def test_keyed_mode_serves_any_host(keyed: Api) -> None:
    response = keyed.client.post("/graphql", json=QUERY, headers={"Host": "twin.example.com",
                                                                  "Authorization": "Bearer ana-key"})
    assert response.status_code == 200


def test_the_customer_lookup_redirects_on_this_server_and_keeps_a_slash_in_the_id(api: Api, keyed: Api) -> None:
    for client, status, shown in ((api.client, 404, '<span id="not-found-key">a/b</span>'),  # open: known absent
                                  (keyed.client, 200, 'data-customer="a/b"')):  # no key: the page asks the API
        moved = client.get("/customers?id=a/b", follow_redirects=False)
        assert moved.status_code == 303 and moved.headers["location"] == "/customers/a%2Fb"
        page = client.get(moved.headers["location"])
        assert page.status_code == status and shown in page.text
    moved = keyed.client.get("/customers?id=//evil.example", headers={"Host": "evil.example"},
                             follow_redirects=False)
    assert moved.headers["location"] == "/customers/%2F%2Fevil.example"


def test_loopback_names() -> None:
    assert all(loopback_host(h) for h in ("localhost", "LOCALHOST:1", "127.0.0.1:8000", "[::1]", "[::1]:80"))
    assert not any(loopback_host(h) for h in ("localhost.", "127.0.0.2", "[::2]", "evil.example", "[::1].evil"))
    assert loopback_origin("http://localhost:3000") and not loopback_origin("ftp://localhost")
