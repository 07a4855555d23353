"""The Starlette app: `create_app(settings, store=None, doors=open_doors)`.

The composition root (`dtc serve`, `dtc demo`, the test fixtures) hands in how to open the doors (graph/doors.py:
intake, erasure, live updates, the audit key; ingest.doors.open_doors), so the API never imports `ingest/`. The
lifespan opens the store once (unless one is handed in), ensures the schema, opens the doors over the store and keeps
them in typed state for every request. Routes: `/graphql` (GraphiQL in a browser, graphql-transport-ws for
subscriptions), `POST /events`, the Segment endpoints under `/v1/` (api/segment.py), `/healthz`, `/readyz`,
`/metrics`, GraphiQL's assets under `/graphql-ide/`, and the dashboard at `/`. Middlewares, outermost first: request
ids, CORS on `/v1/*` only, metrics, development-mode guard (loopback Host, no cross-origin writes or sockets, JSON
bodies but text/plain on `/v1/*`), body size (413), authentication (401), rate limit (429). Every error
answer, of any route or middleware, is JSON with a code and the request id (api/errors.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from api import graphiql, segment
from api.auth import CALLER_KEY, EVENT_WRITERS, METRICS_READERS, AuthMiddleware, Caller, DevModeGuard, KeyRing
from api.context import AppState, Context, new_context
from api.dashboard.routes import routes as dashboard_routes
from api.errors import ErrorCode, RefusedRequest, RequestIds, error_response, request_id_of
from api.limits import BodySizeLimit, LimitedTransportWS, RateLimit, RateLimiter, SocketCaps
from api.metrics import Metrics, MetricsMiddleware
from api.schema import build_schema
from api.segment import SegmentCORS, SegmentRoutes
from graph.doors import OpenDoors
from graph.errors import ConfigError, StoreUnavailableError
from graph.settings import ApiLimits, Settings
from graph.store import GraphStore, open_store
from graph.strict_json import MalformedJSONError, loads_strict

log = logging.getLogger("dtc.api")
READY_TIMEOUT_S = 5.0


def state_of(app: Any) -> AppState:
    state: AppState = app.state.twin
    return state


class TwinGraphQL(GraphQL[Context, None]):
    """strawberry's ASGI view with the twin's context, strict JSON, JSON error answers, and for WebSockets the key
    checked at `connection_init` and the per-key limits (api.limits.LimitedTransportWS)."""

    graphql_transport_ws_handler_class = LimitedTransportWS

    def __init__(self, keys: KeyRing, rate_limiter: RateLimiter, socket_caps: SocketCaps, **kwargs: Any) -> None:
        super().__init__(subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,), allow_queries_via_get=False,
                         connection_init_wait_timeout=timedelta(seconds=10), **kwargs)
        self.keys, self.rate_limiter, self.socket_caps = keys, rate_limiter, socket_caps

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope, receive=receive))
        except HTTPException as e:  # strawberry would answer these in plain text, without a code or request id
            response = error_response(scope, e.status_code, e.reason, getattr(e, "code", None))
        await response(scope, receive, send)

    def parse_json(self, data: str | bytes) -> Any:
        """An HTTP body: a JSON object in strict JSON (graph.strict_json), else 400 MALFORMED_BODY saying why."""
        try:
            body = loads_strict(data)
            if not isinstance(body, dict | list):  # strawberry reads the fields of an object (a list is a batch)
                raise RefusedRequest(400, 'The body must be a JSON object: {"query": "…", "variables": {…}}.',
                                     ErrorCode.MALFORMED_BODY)
            return body
        except MalformedJSONError as e:
            raise RefusedRequest(400, str(e), ErrorCode.MALFORMED_BODY) from e
        except json.JSONDecodeError as e:
            raise RefusedRequest(400, f"The body is not JSON ({e.msg} at line {e.lineno}, column {e.colno}); send "
                                      '{"query": "…", "variables": {…}}.', ErrorCode.MALFORMED_BODY) from e

    def decode_json(self, data: str | bytes) -> object:
        """A WebSocket message: strict JSON; strawberry closes the socket (4400) on anything else."""
        try:
            return loads_strict(data)
        except MalformedJSONError as e:
            raise json.JSONDecodeError(str(e), "", 0) from e

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


def create_app(settings: Settings, store: GraphStore | None = None, limits: ApiLimits | None = None, *,
               doors: OpenDoors) -> Starlette:
    """The API over `store` (or the store `settings` names, opened by the lifespan), with `settings.api_limits`
    unless `limits` is given; `doors` opens the ingest side over the store (ingest.doors.open_doors)."""
    limits = limits or settings.api_limits
    keys = KeyRing(settings.api_keys)
    metrics = Metrics()
    limiter = RateLimiter(limits.rate_per_second, limits.burst)  # one budget per key over HTTP and WebSockets
    graphql = TwinGraphQL(keys, limiter, SocketCaps(limits.max_sockets, limits.max_subscriptions),
                          schema=build_schema(limits))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        opened: GraphStore = store if store is not None else await run_in_threadpool(open_store, settings)
        try:
            await run_in_threadpool(opened.ensure_schema)
            # a stalled stream or store fails a door's call within the API's deadline instead of holding it
            app.state.twin = AppState(settings=settings, store=opened, limits=limits, metrics=metrics,
                                      dev_mode=keys.open, doors=doors(opened, settings, limits.deadline_ms / 1000))
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
        *SegmentRoutes(keys, limiter, state_of).routes(),
        graphiql.assets(),
        *dashboard_routes(),
    ]
    guards = [Middleware(DevModeGuard, plain_text_paths=segment.POST_PATHS)] if keys.open else []
    return Starlette(routes=routes, lifespan=lifespan, middleware=[
        Middleware(RequestIds),
        Middleware(SegmentCORS, open_mode=keys.open),  # outside the others: their refusals carry CORS headers too
        Middleware(MetricsMiddleware, metrics=metrics),
        *guards,
        Middleware(BodySizeLimit, max_bytes=limits.max_body_bytes),
        Middleware(AuthMiddleware, keys=keys, protected=("/graphql", "/events", "/metrics")),
        Middleware(RateLimit, limiter=limiter, guarded=("/graphql", "/events", *segment.POST_PATHS)),
    ], exception_handlers={StarletteHTTPException: http_error, Exception: internal_error})


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no such route 404, method 405) as JSON with a code and the request id."""
    assert isinstance(exc, StarletteHTTPException)
    return error_response(request.scope, exc.status_code, str(exc.detail), headers=exc.headers)


async def internal_error(request: Request, exc: Exception) -> Response:
    """A bug: the traceback goes to the log under the request id, the client gets that id."""
    request_id = request_id_of(request.scope)
    log.error("request %s: internal error on %s %s", request_id, request.method, request.url.path, exc_info=exc)
    return error_response(request.scope, 500, f"Internal error; the server logged it under request id {request_id}.",
                          ErrorCode.INTERNAL_SERVER_ERROR)


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
        return JSONResponse({"status": "unavailable", "store": state.store.url, "reason": reason,
                             "requestId": request_id_of(request.scope)}, status_code=503)
    return JSONResponse({"status": "ready", "store": state.store.url, "engine": state.store.engine})


def _store_ready(store: GraphStore) -> None:
    store.run("ping")
    store.ensure_schema()  # idempotent and quick once built: checks every index and constraint is usable


async def metrics_text(request: Request) -> Response:
    state = state_of(request.app)
    caller: Caller | None = request.scope.get(CALLER_KEY)
    if caller is None or not caller.may(METRICS_READERS):
        return error_response(request.scope, 403, "Metrics need an admin or analyst key.")
    dead_letters = await run_in_threadpool(state.doors.intake.dead_letters)
    return PlainTextResponse(state.metrics.render(dead_letters), media_type="text/plain; version=0.0.4")


async def post_events(request: Request) -> JSONResponse:
    """Accept a batch of events (a JSON object, a JSON array or JSON lines) onto the event stream, which a worker
    applies: 202 with the counts and a reason per refused row."""
    state = state_of(request.app)
    caller: Caller | None = request.scope.get(CALLER_KEY)
    if caller is None or not caller.may(EVENT_WRITERS):
        return error_response(request.scope, 403, "Posting events needs an ingest, frontend or admin key.")
    body = await request.body()
    try:
        result = await run_in_threadpool(state.doors.intake.accept_body, body,
                                         request.headers.get("content-type", ""))
    except MalformedJSONError as e:
        return error_response(request.scope, 400, f"{e} Nothing was queued.", ErrorCode.MALFORMED_BODY)
    except (StoreUnavailableError, ConfigError) as e:
        log.warning("request %s: POST /events: %s", request_id_of(request.scope), e)
        return error_response(request.scope, 503, "The event stream did not take the batch, so all of it or none of "
                              "it was queued; post the same body again in a moment (events are applied once per "
                              "event_id, so a retry is safe).", ErrorCode.STORE_UNAVAILABLE, {"Retry-After": "1"})
    state.metrics.events_received(result.accepted, result.rejected)
    return JSONResponse(result.to_json(), status_code=202)
