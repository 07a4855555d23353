"""The Starlette app: `create_app(settings, store=None)`.

The lifespan is the composition root: it opens the store once (unless one is handed in), ensures the schema and
keeps both in typed state for every request. Routes: `/graphql` (GraphiQL in a browser, graphql-transport-ws for
subscriptions), `POST /events`, `/healthz`, `/readyz`, `/metrics`, GraphiQL's assets under `/graphql-ide/`, and the
dashboard at `/`. Middlewares, outermost first: metrics, body size (413), authentication (401), rate limit (429).
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from api import graphiql
from api.auth import CALLER_KEY, EVENT_WRITERS, METRICS_READERS, AuthMiddleware, Caller, KeyRing
from api.context import AppState, Context, new_context
from api.errors import ErrorCode, RequestIds, error_body, request_id_of
from api.limits import BodySizeLimit, RateLimit, RateLimiter
from api.metrics import Metrics, MetricsMiddleware
from api.schema import build_schema
from graph.settings import ApiLimits, Settings
from graph.store import GraphStore, open_store

log = logging.getLogger("dtc.api")
READY_TIMEOUT_S = 5.0


def state_of(app: Any) -> AppState:
    state: AppState = app.state.twin
    return state


class TwinGraphQL(GraphQL[Context, None]):
    """strawberry's ASGI view with the twin's context, and the key checked at `connection_init` for WebSockets."""

    def __init__(self, keys: KeyRing, **kwargs: Any) -> None:
        super().__init__(subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,), allow_queries_via_get=False,
                         **kwargs)
        self.keys = keys

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql.page()  # served from the package, not strawberry's CDN page: it works offline

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        caller: Caller | None = request.scope.get(CALLER_KEY)
        return new_context(state_of(request.app), caller, request_id_of(request.scope))

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        if context.caller is None:
            params = context.connection_params or {}
            header = params.get("Authorization") or params.get("authorization")
            if header is None and params.get("apiKey"):
                header = f"Bearer {params['apiKey']}"
            context.caller = self.keys.caller_for(str(header) if header else None, "websocket")
        if context.caller is None:
            raise ConnectionRejectionError({"message": "This API needs a key: send {\"Authorization\": "
                                                       "\"Bearer <key>\"} in the connection_init payload.",
                                            "code": ErrorCode.UNAUTHENTICATED.value})
        return await super().on_ws_connect(context)


def create_app(settings: Settings, store: GraphStore | None = None, limits: ApiLimits | None = None) -> Starlette:
    """The API over `store` (or the store `settings` names, opened by the lifespan), with `settings.api_limits`
    unless `limits` is given."""
    limits = limits or settings.api_limits
    keys = KeyRing(settings.api_keys)
    metrics = Metrics()
    graphql = TwinGraphQL(keys, schema=build_schema(limits))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        opened: GraphStore = store if store is not None else await run_in_threadpool(open_store, settings)
        try:
            await run_in_threadpool(opened.ensure_schema)
            app.state.twin = AppState(settings=settings, store=opened, limits=limits, metrics=metrics,
                                      dev_mode=keys.open)
            yield
        finally:
            if store is None:
                await run_in_threadpool(opened.close)

    routes: list[BaseRoute] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/events", post_events, methods=["POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_text),
        graphiql.assets(),
        *_dashboard_routes(),
    ]
    return Starlette(routes=routes, lifespan=lifespan, middleware=[
        Middleware(RequestIds),
        Middleware(MetricsMiddleware, metrics=metrics),
        Middleware(BodySizeLimit, max_bytes=limits.max_body_bytes),
        Middleware(AuthMiddleware, keys=keys, protected=("/graphql", "/events", "/metrics")),
        Middleware(RateLimit, limiter=RateLimiter(limits.rate_per_second, limits.burst),
                   guarded=("/graphql", "/events")),
    ])


def _dashboard_routes() -> list[BaseRoute]:
    """The dashboard's pages when the dashboard package is there; else a small home page."""
    if importlib.util.find_spec("api.dashboard.routes") is not None:
        from api.dashboard.routes import routes

        dashboard: list[BaseRoute] = routes()
        return dashboard
    return [Route("/", home)]


async def home(request: Request) -> HTMLResponse:
    return HTMLResponse("<!doctype html><html><head><meta charset='utf-8'><title>Customer Twin</title></head><body>"
                        "<h1>Customer Twin</h1><p>The GraphQL API is at <a href='/graphql'>/graphql</a> "
                        "(GraphiQL in the browser). Health: <a href='/healthz'>/healthz</a>, "
                        "<a href='/readyz'>/readyz</a>, <a href='/metrics'>/metrics</a>.</p></body></html>")


async def healthz(request: Request) -> JSONResponse:
    """The process is up (says nothing about the store: see /readyz)."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """The store answers and the schema is in place."""
    state = state_of(request.app)
    try:
        await asyncio.wait_for(run_in_threadpool(_store_ready, state.store), READY_TIMEOUT_S)
    except Exception as e:  # noqa: BLE001 - any failure means not ready; say which
        reason = str(e) or type(e).__name__
        return JSONResponse({"status": "unavailable", "store": state.store.url, "reason": reason}, status_code=503)
    return JSONResponse({"status": "ready", "store": state.store.url, "engine": state.store.engine})


def _store_ready(store: GraphStore) -> None:
    store.read("RETURN 1 AS ok", name="readyz")
    store.ensure_schema()  # idempotent and quick once built: checks every index and constraint is usable


async def metrics_text(request: Request) -> Response:
    state = state_of(request.app)
    caller: Caller | None = request.scope.get(CALLER_KEY)
    if caller is None or not caller.may(METRICS_READERS):
        return JSONResponse(error_body("Metrics need an admin or analyst key.", ErrorCode.FORBIDDEN,
                                       request_id_of(request.scope)), status_code=403)
    return PlainTextResponse(state.metrics.render(), media_type="text/plain; version=0.0.4")


async def post_events(request: Request) -> JSONResponse:
    """Accept a batch of events (JSON array, JSON lines or CSV) onto the event stream, which `dtc worker` applies:
    202 with the counts and a reason per refused row."""
    state = state_of(request.app)
    caller: Caller | None = request.scope.get(CALLER_KEY)
    if caller is None or not caller.may(EVENT_WRITERS):
        return JSONResponse(error_body("Posting events needs an ingest, frontend or admin key.", ErrorCode.FORBIDDEN,
                                       request_id_of(request.scope)), status_code=403)
    from ingest.stream import accept_events

    body = await request.body()
    result = await run_in_threadpool(accept_events, body, request.headers.get("content-type", ""),
                                     state.event_stream())
    state.metrics.events_received(result.accepted, result.rejected)
    return JSONResponse(result.to_json(), status_code=202)
