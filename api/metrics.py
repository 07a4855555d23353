"""Prometheus text at /metrics: HTTP requests and latencies, GraphQL errors by code, events accepted and rejected,
live subscriptions, and the stream's dead letters. Kept in process (one server process per store), except the dead
letters, which the workers leave in the stream's Redis and are counted there at each scrape."""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
KNOWN_PATHS = ("/graphql", "/events", "/healthz", "/readyz", "/metrics", "/")


@dataclass
class _Histogram:
    buckets: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS_S) + 1))
    total: float = 0.0
    count: int = 0

    def observe(self, seconds: float) -> None:
        self.buckets[bisect_left(LATENCY_BUCKETS_S, seconds)] += 1
        self.total += seconds
        self.count += 1


class Metrics:
    """The API's counters; every method is cheap and runs on the event loop."""

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str, int]] = Counter()  # (method, path, status)
        self.latency: dict[str, _Histogram] = {}
        self.graphql_errors: Counter[str] = Counter()
        self.events: Counter[str] = Counter()  # accepted / rejected
        self.subscriptions = 0

    def request(self, method: str, path: str, status: int, seconds: float) -> None:
        route = path if path in KNOWN_PATHS else "other"
        self.requests[(method, route, status)] += 1
        self.latency.setdefault(route, _Histogram()).observe(seconds)

    def graphql_error(self, code: str) -> None:
        self.graphql_errors[code] += 1

    def events_received(self, accepted: int, rejected: int) -> None:
        self.events["accepted"] += accepted
        self.events["rejected"] += rejected

    def render(self, dead_letters: int | None = None) -> str:
        """The Prometheus text; `dead_letters` is how many wait in the stream's dead letters (left out when the
        stream cannot be asked)."""
        lines = ["# HELP dtc_http_requests_total HTTP requests by method, path and status.",
                 "# TYPE dtc_http_requests_total counter"]
        for (method, path, status), n in sorted(self.requests.items()):
            lines.append(f'dtc_http_requests_total{{method="{method}",path="{path}",status="{status}"}} {n}')
        lines += ["# HELP dtc_http_request_duration_seconds Time to answer HTTP requests, by path.",
                  "# TYPE dtc_http_request_duration_seconds histogram"]
        for path, h in sorted(self.latency.items()):
            cumulative = 0
            for bound, n in zip((*LATENCY_BUCKETS_S, float("inf")), h.buckets, strict=True):
                cumulative += n
                le = "+Inf" if bound == float("inf") else repr(bound)
                lines.append(f'dtc_http_request_duration_seconds_bucket{{path="{path}",le="{le}"}} {cumulative}')
            lines.append(f'dtc_http_request_duration_seconds_sum{{path="{path}"}} {h.total:.6f}')
            lines.append(f'dtc_http_request_duration_seconds_count{{path="{path}"}} {h.count}')
        lines += ["# HELP dtc_graphql_errors_total GraphQL errors by extensions.code.",
                  "# TYPE dtc_graphql_errors_total counter"]
        lines += [f'dtc_graphql_errors_total{{code="{code}"}} {n}' for code, n in sorted(self.graphql_errors.items())]
        lines += ["# HELP dtc_events_total Events received over the API (POST /events, recordEvent), by outcome.",
                  "# TYPE dtc_events_total counter"]
        lines += [f'dtc_events_total{{outcome="{k}"}} {self.events[k]}' for k in ("accepted", "rejected")]
        lines += ["# HELP dtc_subscriptions_active GraphQL subscriptions open now.",
                  "# TYPE dtc_subscriptions_active gauge", f"dtc_subscriptions_active {self.subscriptions}"]
        if dead_letters is not None:
            lines += ["# HELP dtc_dead_letters Stream entries the workers could not apply, waiting for "
                      "`dtc deadletters`.", "# TYPE dtc_dead_letters gauge", f"dtc_dead_letters {dead_letters}"]
        return "\n".join(lines) + "\n"


class MetricsMiddleware:
    """Count every HTTP request with its status and time, including the ones the guards refuse."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            self.metrics.request(scope["method"], scope["path"], status, time.perf_counter() - started)
