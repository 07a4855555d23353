"""Error codes and limits: bad input, depth, cost, body size, rate, an unreachable store; the server stays healthy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_client import Api, MakeApi
from starlette.testclient import TestClient

from api.app import create_app
from graph.embedded import start_or_attach
from graph.falkordb_store import FalkorDBStore
from graph.settings import ApiLimits, Settings
from graph.store import GraphStore
from ingest.doors import open_doors


def code_of(error: dict[str, object]) -> object:
    return error["extensions"]["code"]  # type: ignore[index]


def test_bad_arguments_are_bad_user_input_with_a_clear_message(api: Api) -> None:
    cases = {
        '{ frictionToCompetitors(persona: "trend-seeker", limit: 0) { exposed } }': "limit: 0 is out of range",
        '{ frictionToCompetitors(persona: "trend-seeker", since: "2024-01-01") { exposed } }': "no time zone offset",
        '{ frictionToCompetitors(persona: "x", since: "2024-02-01T00:00:00Z", until: "2024-01-01T00:00:00Z") '
        "{ exposed } }": "must be before until",
        '{ customer(id: "sydney") { journeys(first: 201) { totalCount } } }': "first: 201 is out of range",
        '{ similarFeedback(text: "late parcel", k: 150) { score } }': "k: 150 is out of range; give 1 to 100",
        '{ customer(id: "sydney") { journeys(after: "bm9wZQ") { totalCount } } }': "is not a cursor this API gave",
        'mutation { setConsent(customerId: "nobody", purpose: "marketing", granted: true) { granted } }':
            "No customer 'nobody'",
    }
    for query, message in cases.items():
        error = api.error(query)
        assert code_of(error) == "BAD_USER_INPUT" and message in str(error["message"]), error


def test_variables_of_the_wrong_shape_are_bad_user_input(api: Api) -> None:
    error = api.error("query($s: DateTime) { frictionToCompetitors(persona: \"x\", since: $s) { exposed } }",
                      s="yesterday")
    assert code_of(error) == "BAD_USER_INPUT"


def test_malformed_and_unknown_fields(api: Api) -> None:
    assert code_of(api.error('{ customer(id: ')) == "GRAPHQL_PARSE_FAILED"
    assert code_of(api.error('{ customer(id: "sydney") { nope } }')) == "GRAPHQL_VALIDATION_FAILED"


DEEP = ('{ customer(id: "sydney") { journeys(first: 1) { edges { node { interactions { frictions { touchpoint { '
        "channel { code } } } } } } } } }")  # 9 levels


def test_depth_limit(sydney: GraphStore, make_api: MakeApi) -> None:
    assert make_api().data(DEEP)["customer"]["journeys"]["edges"]
    error = make_api(limits=ApiLimits(rate_per_second=0, max_depth=5)).error(DEEP)
    assert code_of(error) == "QUERY_TOO_COMPLEX" and "nests 9 levels deep, more than the 5 allowed" in str(
        error["message"])


def test_deeply_nested_introspection_is_refused(api: Api) -> None:
    inner = "name"
    for _ in range(10):
        inner = f"fields {{ type {{ {inner} }} }}"
    error = api.error(f"{{ __schema {{ types {{ {inner} }} }} }}")
    assert code_of(error) == "QUERY_TOO_COMPLEX", error


def test_cost_limit_refuses_thousands_of_aliased_twins(api: Api) -> None:
    many = "{ " + " ".join(f'c{i}: customer(id: "sydney") {{ id journeys(first: 200) {{ edges {{ node {{ '
                           f"interactions {{ id }} }} }} }} }}" for i in range(50)) + " }"
    error = api.error(many)
    assert code_of(error) == "QUERY_TOO_COMPLEX" and "estimated cost" in str(error["message"])
    huge = "{ " + " ".join(f'c{i}: customer(id: "sydney") {{ id }}' for i in range(3000)) + " }"
    assert code_of(api.error(huge)) == "QUERY_TOO_COMPLEX"
    assert api.client.get("/healthz").status_code == 200


def test_introspection_works_for_graphiql(api: Api) -> None:
    from graphql import get_introspection_query

    assert api.data(get_introspection_query())["__schema"]["queryType"]["name"] == "Query"


def test_a_body_over_the_limit_is_413(api: Api) -> None:
    r = api.client.post("/graphql", content=b'{"query": "{ stats { store } }", "pad": "' + b" " * 2_000_000 + b'"}',
                        headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert api.client.get("/healthz").status_code == 200


def test_rate_limit_per_key_is_429_with_retry_after(sydney: GraphStore, make_api: MakeApi) -> None:
    # a token per 100 s: at 1 per second the five calls and the next had to fit in one second of a busy machine
    api = make_api(keys={"a-key": "analyst", "b-key": "analyst"}, limits=ApiLimits(rate_per_second=0.01, burst=3))
    statuses = [api.gql("{ stats { store } }", "a-key")[0] for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    r = api.client.post("/graphql", json={"query": "{ stats { store } }"}, headers={"Authorization": "Bearer a-key"})
    assert r.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED" and int(r.headers["retry-after"]) >= 1
    assert api.gql("{ stats { store } }", "b-key")[0] == 200  # another key has its own budget


@pytest.fixture
def lost_store(tmp_path: Path) -> Iterator[FalkorDBStore]:
    """A store whose embedded server is stopped under it after the app started."""
    server = start_or_attach(tmp_path / "lost")
    store = FalkorDBStore(server.url, "127.0.0.1", server.port, "lost")
    yield store
    server.release()


def test_an_unreachable_store_is_store_unavailable_and_readyz_503(lost_store: FalkorDBStore, tmp_path: Path) -> None:
    settings = Settings(graph_url=lost_store.url, graph_name="lost", state_dir_override=str(tmp_path))
    with TestClient(create_app(settings, lost_store, ApiLimits(rate_per_second=0), doors=open_doors),
                    base_url="http://localhost") as client:
        assert client.get("/readyz").status_code == 200
        lost_store.redis().shutdown(nosave=True)
        r = client.post("/graphql", json={"query": '{ customer(id: "sydney") { id } }'})
        error = r.json()["errors"][0]
        assert error["extensions"]["code"] == "STORE_UNAVAILABLE" and "Traceback" not in r.text
        assert client.get("/readyz").status_code == 503
        assert client.get("/healthz").status_code == 200


def test_errors_over_a_websocket_carry_their_code_and_request_id(api: Api) -> None:
    with api.client.websocket_connect("ws://localhost/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive_json()["type"] == "connection_ack"
        fan_out = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(21))
        for operation_id, query, code in [
            ("v", "subscription { nope }", "GRAPHQL_VALIDATION_FAILED"),
            ("c", "query { ...F0 } " + fan_out + " fragment F21 on Query { stats { totalNodes } }",
             "QUERY_TOO_COMPLEX"),
            ("r", '{ customer(id: "sydney") { journeys(first: -1) { totalCount } } }', "BAD_USER_INPUT"),
        ]:
            ws.send_json({"type": "subscribe", "id": operation_id, "payload": {"query": query}})
            message = ws.receive_json()
            assert message["type"] == "error" and message["id"] == operation_id, message
            extensions = message["payload"][0]["extensions"]
            assert extensions["code"] == code and extensions["requestId"], message
