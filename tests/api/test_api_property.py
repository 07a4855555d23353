"""Generated requests never get a 500 (issue 11, the GraphQL half of the first "Done when" point): GraphQL queries and
mutations generated from the schema (hypothesis-graphql) and malformed bodies, against the real embedded store.

A fixed budget of examples fits a busy 2-core CI run; the seed is printed on failure (DTC_FUZZ_SEED=N reruns it)."""

from __future__ import annotations

import json
import os
import random
from datetime import UTC
from typing import Any

from api_client import Api
from hypothesis import HealthCheck, given, note, seed, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries

from api.schema import sdl

SEED = int(os.environ.get("DTC_FUZZ_SEED") or random.randrange(2**32))
SDL = sdl()
SCALARS = {
    "DateTime": st.datetimes(timezones=st.just(UTC)).map(lambda t: nodes.String(t.isoformat())),
    "JSON": st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                         lambda inner: st.lists(inner, max_size=3), max_leaves=5).map(
                             lambda v: nodes.String(json.dumps(v))),
}
FUZZ = settings(max_examples=int(os.environ.get("DTC_FUZZ_EXAMPLES", "120")), deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.filter_too_much], print_blob=True)


def _no_server_error(status: int, body: Any, what: str) -> None:
    note(f"reproduce with DTC_FUZZ_SEED={SEED}")
    assert status < 500, f"{what}: HTTP {status} {body!r:.300} (DTC_FUZZ_SEED={SEED})"
    graphql_shaped = isinstance(body, dict) and "data" in body  # POST /events' 202 lists rows, not GraphQL errors
    for error in body.get("errors") or [] if graphql_shaped else []:
        extensions = error.get("extensions") or {}
        assert extensions.get("code") and extensions.get("requestId"), f"{what}: {error} (DTC_FUZZ_SEED={SEED})"
        assert extensions["code"] != "INTERNAL_SERVER_ERROR", f"{what}: {error} (DTC_FUZZ_SEED={SEED})"


@seed(SEED)
@FUZZ
@given(document=queries(SDL, custom_scalars=SCALARS) | queries(SDL, custom_scalars=SCALARS, mode=Mode.NEGATIVE))
def test_generated_queries_never_get_a_500(api: Api, document: str) -> None:
    response = api.client.post("/graphql", json={"query": document})
    _no_server_error(response.status_code, response.json(), document)


@seed(SEED)
@settings(FUZZ, max_examples=max(10, FUZZ.max_examples // 3))
@given(document=mutations(SDL, custom_scalars=SCALARS))
def test_generated_mutations_never_get_a_500(api: Api, document: str) -> None:
    response = api.client.post("/graphql", json={"query": document})
    _no_server_error(response.status_code, response.json(), document)


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                        max_size=4), max_leaves=20)
HOSTILE_TEXT = st.one_of(
    st.integers(1, 200_000).map(lambda n: "[" * n + "]" * n),
    st.integers(1, 200_000).map(lambda n: "[" * n),
    st.integers(4_000, 20_000).map(lambda n: "9" * n),
    st.sampled_from(['"\\ud800"', '"\\udfff x"', '{"\\ud83d": 1}', "NaN", "-Infinity", "1e999", "\x00", "\ufeff{}"]),
    st.text(max_size=200),
    JSON_VALUES.map(lambda v: json.dumps(v)),
)
BODIES = st.one_of(
    st.binary(max_size=300),
    HOSTILE_TEXT.map(str.encode),
    st.tuples(st.text(max_size=60), HOSTILE_TEXT).map(
        lambda q: ('{"query": ' + json.dumps(q[0]) + ', "variables": {"v": ' + q[1] + "}}").encode()),
    st.lists(JSON_VALUES, max_size=5).map(lambda v: json.dumps(v).encode()),
)
CONTENT_TYPES = st.sampled_from(["application/json", "application/x-ndjson", "text/plain", "", "application/json; "
                                 "charset=latin-1", "multipart/form-data; boundary=x"])


@seed(SEED)
@FUZZ
@given(body=BODIES, content_type=CONTENT_TYPES, path=st.sampled_from(["/graphql", "/events"]))
def test_malformed_bodies_never_get_a_500(api: Api, body: bytes, content_type: str, path: str) -> None:
    response = api.client.post(path, content=body, headers={"Content-Type": content_type})
    parsed = response.json() if response.headers.get("content-type", "").startswith("application/json") else None
    _no_server_error(response.status_code, parsed, f"{path} {content_type} {body[:200]!r}")
    if response.status_code >= 400:
        assert parsed is not None, f"{path}: {response.status_code} without a JSON body (DTC_FUZZ_SEED={SEED})"
