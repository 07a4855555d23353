"""The plain HTTP endpoints: the dashboard at /, health, readiness and Prometheus metrics."""

from __future__ import annotations

from api_client import Api

from graph.settings import Settings
from ingest.deadletters import buried_fields
from ingest.stream import EventStream


def test_home_is_html_and_health_probes_answer(api: Api) -> None:
    home = api.client.get("/")
    assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["engine"] == api.store.engine


def test_metrics_count_requests_and_errors(api: Api) -> None:
    api.data("{ stats { store } }")
    api.error("{ nope }")
    text = api.client.get("/metrics").text
    assert 'dtc_http_requests_total{method="POST",path="/graphql",status="200"} 2' in text
    assert 'dtc_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"} 1' in text
    assert 'dtc_http_request_duration_seconds_count{path="/graphql"} 2' in text
    assert "dtc_subscriptions_active 0" in text


def test_metrics_count_the_dead_letters(api: Api, store_settings: Settings) -> None:
    stream = EventStream.connect(api.store, store_settings)
    assert "\ndtc_dead_letters 0\n" in api.client.get("/metrics").text
    for n in range(2):  # as a worker leaves them (tests/integration/test_stream_dead_letters.py makes real ones)
        stream.client.xadd(stream.dead_letters.key, buried_fields({"event": "{"}, f"1-{n}", "malformed_json: x", 3))
    text = api.client.get("/metrics").text
    assert "# TYPE dtc_dead_letters gauge" in text and "\ndtc_dead_letters 2\n" in text
