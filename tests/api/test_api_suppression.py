"""The API's doors check the suppression list: after an erasure, recordEvent and POST /events drop the erased
person's events and say so."""

from __future__ import annotations

from api_client import Api

from graph.settings import Settings
from graph.store import GraphStore
from ingest.stream import EventStream

RECORD = """mutation($input: EventInput!) { recordEvent(input: $input) { accepted eventId errors suppressed } }"""
ERASE = 'mutation { eraseCustomer(id: "sydney") { customerId nodesDeleted } }'


def test_record_event_and_post_events_drop_an_erased_persons_events(api: Api, sydney: GraphStore,
                                                                    store_settings: Settings) -> None:
    assert api.data(ERASE)["eraseCustomer"]["nodesDeleted"] == 10
    hers = {"eventId": "s1", "customerId": "sydney", "ts": "2024-04-01T10:00:00Z", "channel": "web",
            "touchpoint": "checkout", "type": "view"}
    assert api.data(RECORD, input=hers)["recordEvent"] == {"accepted": False, "eventId": "s1", "errors": [],
                                                           "suppressed": True}
    assert api.data(RECORD, input={**hers, "eventId": "a1", "customerId": "alex"})["recordEvent"]["accepted"]

    stream = EventStream.connect(sydney, store_settings)
    before = stream.length()
    rows = [{"event_id": "s2", "identities": {"email": "sydney@example.com"}, "ts": "2024-04-02T10:00:00Z",
             "channel": "web", "touchpoint": "checkout", "type": "view"},
            {"event_id": "a2", "customer_id": "alex", "ts": "2024-04-02T10:00:00Z", "channel": "web",
             "touchpoint": "checkout", "type": "view"}]
    r = api.client.post("/events", json=rows)
    assert r.status_code == 202
    assert (r.json()["accepted"], r.json()["suppressed"], r.json()["rejected"]) == (1, 1, 0)
    assert stream.length() == before + 1  # only Alex's event is queued
    assert not sydney.read("MATCH (c:Customer {id: 'sydney'}) RETURN c")
