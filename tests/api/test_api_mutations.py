"""Mutations (recordEvent, setConsent, eraseCustomer), POST /events, live subscriptions (graphql-transport-ws)."""

from __future__ import annotations

import time
from typing import Any

from api_client import Api
from running_worker import RunningWorker

from graph.settings import Settings
from graph.store import GraphStore
from ingest.stream import EventStream, run_worker

RECORD = """mutation($input: EventInput!) { recordEvent(input: $input) { accepted eventId errors } }"""


def event(event_id: str, **fields: Any) -> dict[str, Any]:
    return {"eventId": event_id, "customerId": "alex", "ts": "2024-03-04T12:00:00Z", "channel": "salon",
            "touchpoint": "colour_appointment", "type": "support", **fields}


def test_record_event_is_queued_on_the_stream_and_the_worker_applies_it(api: Api, sydney: GraphStore,
                                                                       store_settings: Settings) -> None:
    """One write path: recordEvent queues like POST /events, and only the worker writes the graph (before, the
    mutation applied the event in the API process and the stream never saw it)."""
    stream = EventStream.connect(sydney, store_settings)
    before = stream.length()
    assert api.data(RECORD, input=event("q1"))["recordEvent"] == {"accepted": True, "eventId": "q1", "errors": []}
    assert stream.length() == before + 1
    assert sydney.read("MATCH (i:Interaction {id: 'q1'}) RETURN count(i) AS n") == [{"n": 0}]
    assert run_worker(sydney, store_settings, once=True).applied == 1
    assert sydney.read("MATCH (i:Interaction {id: 'q1'}) RETURN count(i) AS n") == [{"n": 1}]


def test_record_event_lands_in_the_twin_once(api: Api, sydney: GraphStore, worker: RunningWorker) -> None:
    assert api.data(RECORD, input=event("n1", friction=["long_wait"]))["recordEvent"] == {
        "accepted": True, "eventId": "n1", "errors": []}
    assert api.data(RECORD, input=event("n1", friction=["long_wait"]))["recordEvent"]["accepted"]  # idempotent
    worker.drain()
    journeys = api.data('{ customer(id: "alex") { journeys { edges { node { interactions { id } } } } } }')
    ids = [i["id"] for e in journeys["customer"]["journeys"]["edges"] for i in e["node"]["interactions"]]
    assert ids == ["e6", "n1", "e7"]  # placed in time order inside the journey, not appended
    assert sydney.read("MATCH (i:Interaction {id: 'n1'}) RETURN count(i) AS n")[0]["n"] == 1


def test_record_event_refuses_an_invalid_event_with_reasons(api: Api) -> None:
    result = api.data(RECORD, input=event("n2", type="switch", customerId=None, csat=9))["recordEvent"]
    assert result["accepted"] is False and result["eventId"] == "n2"
    assert any("csat" in e for e in result["errors"]) and any("competitor" in e for e in result["errors"])


def test_set_consent_keeps_history(api: Api) -> None:
    consent = api.data('mutation { setConsent(customerId: "sydney", purpose: "marketing", granted: true) '
                       "{ purpose granted at source } }")["setConsent"]
    assert (consent["purpose"], consent["granted"], consent["source"]) == ("marketing", True, "api")
    consents = api.data('{ customer(id: "sydney") { consents { purpose granted } } }')["customer"]["consents"]
    assert [c["granted"] for c in consents if c["purpose"] == "marketing"] == [True, False]  # newest first


def test_erase_customer_removes_them(api: Api) -> None:
    report = api.data('mutation { eraseCustomer(id: "alex") { customerId mode nodesDeleted } }')["eraseCustomer"]
    assert report["customerId"] == "alex" and report["mode"] == "ERASE" and report["nodesDeleted"] >= 3
    assert api.data('{ customer(id: "alex") { id } }') == {"customer": None}
    again = api.data('mutation { eraseCustomer(id: "alex", mode: ANONYMIZE) { nodesDeleted propertiesScrubbed } }')
    assert again["eraseCustomer"] == {"nodesDeleted": 0, "propertiesScrubbed": 0}


def test_post_events_queues_valid_rows_and_reports_the_others(api: Api, sydney: GraphStore,
                                                            store_settings: Settings) -> None:
    stream = EventStream.connect(sydney, store_settings)
    before = stream.length()
    rows = [{"event_id": "b1", "customer_id": "alex", "ts": "2024-03-05T10:00:00Z", "channel": "web",
             "touchpoint": "checkout", "type": "view"},
            {"event_id": "b2", "customer_id": "alex", "ts": "not a time", "channel": "web", "touchpoint": "checkout",
             "type": "view"}]
    r = api.client.post("/events", json=rows)
    assert r.status_code == 202
    body = r.json()
    assert (body["accepted"], body["rejected"]) == (1, 1) and body["errors"][0]["row"] == 2
    # the answer docs/api.md documents, key for key
    assert set(body) == {"accepted", "rejected", "suppressed", "errors"}
    assert set(body["errors"][0]) == {"row", "event_id", "errors"}
    assert body["errors"][0]["event_id"] == "b2"
    assert "ts" in body["errors"][0]["errors"][0]
    assert stream.length() == before + 1  # on the stream, for `dtc worker` to apply
    metrics = api.client.get("/metrics").text
    assert 'dtc_events_total{outcome="accepted"} 1' in metrics and 'dtc_events_total{outcome="rejected"} 1' in metrics


def _subscribe(api: Api, ws: Any, query: str) -> None:
    """Subscribe, and wait until the subscription listens (so the next publish cannot be missed)."""
    ws.send_json({"type": "connection_init", "payload": {}})
    assert ws.receive_json()["type"] == "connection_ack"
    ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": query}})
    deadline = time.monotonic() + 60  # normally ms; generous for a busy machine
    while "dtc_subscriptions_active 1" not in api.client.get("/metrics").text:
        assert time.monotonic() < deadline, "the subscription never started"
        time.sleep(0.02)


def test_interaction_recorded_pushes_new_events_live(api: Api, worker: RunningWorker) -> None:
    with api.client.websocket_connect("ws://localhost/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        _subscribe(api, ws, 'subscription { interactionRecorded(customerId: "alex") { id type touchpoint { code } } }')
        api.data(RECORD, input=event("live1"))  # the worker publishes what it applied
        message = ws.receive_json()
        assert message["type"] == "next", message
        assert message["payload"]["data"]["interactionRecorded"] == {
            "id": "live1", "type": "support", "touchpoint": {"code": "colour_appointment"}}


def test_friction_detected_for_the_persona(api: Api, worker: RunningWorker) -> None:
    with api.client.websocket_connect("ws://localhost/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        _subscribe(api, ws, 'subscription { frictionDetected(persona: "trend-seeker") { customerId at '
                   "friction { code } persona { code } interaction { id } } }")
        api.data(RECORD, input=event("live2", friction=["long_wait"]))
        message = ws.receive_json()
        assert message["payload"]["data"]["frictionDetected"] == {
            "customerId": "alex", "at": "2024-03-04T12:00:00Z", "friction": {"code": "long_wait"},
            "persona": {"code": "trend-seeker"}, "interaction": {"id": "live2"}}


def test_subscriptions_need_a_key_in_connection_init(keyed: Api) -> None:
    with keyed.client.websocket_connect("ws://localhost/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer wrong"}})
        closed = ws.receive()
        assert closed["type"] == "websocket.close" and closed["code"] == 4403
    with keyed.client.websocket_connect("ws://localhost/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer fe-key"}})
        assert ws.receive_json()["type"] == "connection_ack"
