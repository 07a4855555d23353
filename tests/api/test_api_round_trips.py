"""No N+1: a customer's journeys with their interactions and catalog references cost a constant number of queries."""

from __future__ import annotations

from api_client import Api
from journey_writer import write_events

from graph.store import GraphStore

DAY_MS = 24 * 3600 * 1000
QUERY = """{ customer(id: "pat") { id personas { persona { code } } frictions { code }
  journeys(first: 50) { totalCount edges { node { id interactions {
    id touchpoint { code channel { code } owner { code } } channel { code }
    frictions { code owner { code } } } } } } } }"""


def _customer_with_journeys(store: GraphStore, journeys: int) -> None:
    """`pat` with `journeys` journeys (40 days apart) of 3 interactions each, some hitting frictions."""
    store.write("CREATE (:Customer {id: 'pat'})")
    store.write("MATCH (c:Customer {id: 'pat'}), (p:Persona {code: 'trend-seeker'}) "
                "CREATE (c)-[:SHOWS {weight: 1.0}]->(p)")
    events = []
    for j in range(journeys):
        for k, touchpoint in enumerate(("product_page", "checkout", "colour_appointment")):
            events.append({"event_id": f"p{j:03d}-{k}", "customer_id": "pat", "channel": "web", "type": "view",
                           "ts": 1_700_000_000_000 + j * 40 * DAY_MS + k * 60_000, "touchpoint": touchpoint,
                           "friction": ["long_wait"] if k == 2 and j % 2 else None})
    write_events(store, [{k: v for k, v in e.items() if v is not None} for e in events])


def round_trips(api: Api, store: GraphStore) -> int:
    store.round_trips = 0
    customer = api.data(QUERY)["customer"]
    assert customer["id"] == "pat"
    return store.round_trips


def test_fifty_journeys_cost_a_constant_small_number_of_queries(api: Api, sydney: GraphStore) -> None:
    _customer_with_journeys(sydney, 50)
    d = api.data(QUERY)["customer"]
    assert d["journeys"]["totalCount"] == 50 and len(d["journeys"]["edges"]) == 50
    assert sum(len(e["node"]["interactions"]) for e in d["journeys"]["edges"]) == 150
    fifty = round_trips(api, sydney)
    sydney.write("MATCH (c:Customer {id: 'pat'})-[:TOOK]->(j:Journey) WHERE j.start_ts > $cut "
                 "OPTIONAL MATCH (j)-[:INCLUDES]->(i) DETACH DELETE j, i", {"cut": 1_700_000_000_000 + DAY_MS})
    one = round_trips(api, sydney)
    # one query per loader and nesting level (customer, personas, journeys page, interactions, touchpoints,
    # channels, stakeholders, frictions, …), however many journeys: a per-journey query would make it 50+
    print(f"round trips: 50 journeys {fifty}, 1 journey {one}")
    assert fifty <= 14 and one <= 14, (fifty, one)
