"""The Segment HTTP Tracking API's shape, so Segment's and RudderStack's SDKs point at the twin unchanged.

    POST /v1/batch, /v1/b, /v1/import                  {"batch": [messages], "sentAt", "writeKey", "context"?}
    POST /v1/track|identify|page|screen|group|alias    one message (the browser's short paths /v1/t|i|p|s|g|a too)
    GET  /v1/projects/<writeKey>/settings              the browser library's settings, pointing it back here
    OPTIONS /v1/…                                      CORS preflight (browsers; CORS is on /v1/* only)

The write key is a twin key that may post events (an ingest key): `Authorization: Basic base64(key + ":")` (server
SDKs), `writeKey` in the body (the browser library posts text/plain JSON), or `Authorization: Bearer key`. Answers,
as the SDKs read them (docs/segment.md): 200 {"success": true} (with `rejected: [{messageId, reason}]` when some
messages could not be read: the others are applied), 400 {code, message} for an unreadable body, 401 for no known
key, 413 when the body (after gzip) is over the size limit, 429 with Retry-After, 503 when the stream or store does
not answer (nothing or all was queued: the SDKs retry, and a message applies once per messageId).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Mapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import CALLER_KEY, EVENT_WRITERS, Caller, KeyRing, loopback_origin
from api.context import AppState
from api.errors import ErrorCode, error_response
from api.limits import RateLimiter
from cypher.moments import now_ms
from graph.errors import ConfigError, StoreUnavailableError
from graph.strict_json import MalformedJSONError, loads_strict

PREFIX = "/v1/"
SINGLE_PATHS = {"track": "track", "identify": "identify", "page": "page", "screen": "screen", "group": "group",
                "alias": "alias", "t": "track", "i": "identify", "p": "page", "s": "screen", "g": "group",
                "a": "alias"}
BATCH_PATHS = ("batch", "b", "import")  # /v1/import: where Segment's Ruby library (analytics-ruby) posts batches
POST_PATHS: tuple[str, ...] = tuple(f"{PREFIX}{name}" for name in (*SINGLE_PATHS, *BATCH_PATHS))
ALLOWED_HEADERS = "Authorization, Content-Type, Content-Encoding, X-Retry-Count"
SUCCESS: dict[str, Any] = {"success": True}


class TooLarge(Exception):
    """A body over the size limit once decompressed."""


def inflate(body: bytes, encoding: str, max_bytes: int) -> bytes:
    """The body as sent, decompressed when it is gzip (or deflate); TooLarge past `max_bytes` of output, read in
    bounded steps so a small bomb never becomes a large allocation; ValueError when it is not what it says."""
    kind = encoding.strip().lower()
    if kind in ("", "identity"):
        return body
    if kind not in ("gzip", "x-gzip", "deflate"):
        raise ValueError(f"Content-Encoding {encoding!r} is not supported; send gzip or no encoding.")
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # 32: gzip or zlib header, detected
    out = bytearray()
    pending = body
    try:
        while pending:
            out += inflater.decompress(pending, max_bytes + 1 - len(out))
            if len(out) > max_bytes:
                raise TooLarge
            pending = inflater.unconsumed_tail
        out += inflater.flush()
    except zlib.error as e:
        raise ValueError(f"The body is not valid {kind} ({e}); send it compressed whole, or uncompressed.") from e
    if len(out) > max_bytes:
        raise TooLarge
    if not inflater.eof:
        raise ValueError(f"The {kind} body is cut short; send it whole.")
    return bytes(out)


def messages_of(body: Any, kind: str | None) -> tuple[list[Any], Any]:
    """(messages, sentAt of the batch) of a parsed body: a batch envelope, or one message of type `kind`. Batch-level
    `context` and `integrations` are laid under each message's own, as Segment does."""
    if not isinstance(body, Mapping):
        raise ValueError("The body must be a JSON object: a message, or {\"batch\": [messages]} on /v1/batch.")
    if kind is not None:
        return [{**body, "type": kind}], body.get("sentAt")
    batch = body.get("batch")
    if not isinstance(batch, list):
        raise ValueError("The body must hold \"batch\": a list of messages (track, identify, page, screen, group, "
                         "alias).")
    shared = {k: body[k] for k in ("context", "integrations") if isinstance(body.get(k), Mapping)}
    if shared:
        batch = [{**message, **{k: {**v, **(message.get(k) or {})} for k, v in shared.items()
                                if isinstance(message.get(k) or {}, Mapping)}}
                 if isinstance(message, Mapping) else message for message in batch]
    return batch, body.get("sentAt")


def read_messages(scope: Scope, sent: bytes, encoding: str, max_bytes: int,
                  kind: str | None) -> tuple[Any, list[Any], Any] | Response:
    """(the body, its messages, the batch's sentAt) of a request's body as sent, or the answer refusing it (413 over
    the size limit once decompressed, 400 when it cannot be read as a message or a batch)."""
    try:
        raw = inflate(sent, encoding, max_bytes)
    except TooLarge:
        return segment_error(scope, 413, f"The request body is over the {max_bytes:,}-byte limit once decompressed; "
                             "send fewer messages per batch.", ErrorCode.PAYLOAD_TOO_LARGE)
    except ValueError as e:
        return segment_error(scope, 400, str(e), ErrorCode.MALFORMED_BODY)
    try:
        body = loads_strict(raw)
        messages, sent_at = messages_of(body, kind)
    except MalformedJSONError as e:
        return segment_error(scope, 400, f"{e} Nothing was queued.", ErrorCode.MALFORMED_BODY)
    except json.JSONDecodeError as e:
        return segment_error(scope, 400, f"The body is not JSON ({e.msg} at line {e.lineno}, column {e.colno}); "
                             "nothing was queued.", ErrorCode.MALFORMED_BODY)
    except ValueError as e:  # JSON, but not a message or a batch
        return segment_error(scope, 400, f"{e} Nothing was queued.", ErrorCode.MALFORMED_BODY)
    return body, messages, sent_at


def segment_error(request: Request | Scope, status: int, message: str, code: ErrorCode,
                  headers: Mapping[str, str] | None = None) -> JSONResponse:
    scope = request.scope if isinstance(request, Request) else request
    return error_response(scope, status, message, code, headers)


class SegmentRoutes:
    """The /v1/* routes over the app's intake (`doors.intake.accept_messages`), keys and rate limiter."""

    def __init__(self, keys: KeyRing, limiter: RateLimiter, state_of: Callable[[Any], AppState]) -> None:
        self.keys, self.limiter, self.state_of = keys, limiter, state_of

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/v1/projects/{write_key}/settings", self.settings, methods=["GET"]),
            *(Route(f"{PREFIX}{name}", self.post, methods=["POST"]) for name in (*SINGLE_PATHS, *BATCH_PATHS)),
        ]

    async def settings(self, request: Request) -> Response:
        """The browser library's settings: send everything to this twin with this key."""
        key = request.path_params["write_key"]
        caller = self.keys.caller_for(f"Bearer {key}", "settings")
        if caller is None or not caller.may(EVENT_WRITERS):
            return segment_error(request, 404, "No source has this write key here; use a twin key that may post "
                                 "events (an ingest key).", ErrorCode.NOT_FOUND)
        api_host = f"{request.url.netloc}/v1"
        return JSONResponse({
            "integrations": {"Segment.io": {"apiKey": key, "apiHost": api_host, "protocol": request.url.scheme}},
            "plan": {"track": {}, "identify": {}, "group": {}},
            "metrics": {"sampleRate": 0},  # the library's own telemetry would go to the same host
            "enabledMiddleware": {}, "legacyVideoPluginsEnabled": False, "remotePlugins": [],
        }, headers={"Cache-Control": "no-store"})

    async def post(self, request: Request) -> Response:
        name = request.url.path.removeprefix(PREFIX)
        arrival_ms = now_ms()
        state = self.state_of(request.app)
        # read in a worker thread, as POST /events reads its body: a 6 MB batch parsed on the event loop would hold
        # every other request (the bodies still arriving included) until it is done
        read = await run_in_threadpool(read_messages, request.scope, await request.body(),
                                       request.headers.get("content-encoding", ""), state.limits.max_body_bytes,
                                       SINGLE_PATHS.get(name))
        if isinstance(read, Response):
            return read
        body, messages, sent_at = read
        caller = self._caller(request, body)
        if caller is None:
            return segment_error(request, 401, "No write key, or one the twin does not know: send the key as the "
                                 "Basic user name, as writeKey in the body, or as a Bearer token.",
                                 ErrorCode.UNAUTHENTICATED)
        if not caller.may(EVENT_WRITERS):
            return segment_error(request, 403, f"The {caller.role} key may not post events; use an ingest key as "
                                 "the write key.", ErrorCode.FORBIDDEN)
        if request.scope.get(CALLER_KEY) is None:  # keyed by the body: the middleware could not rate-limit it
            wait = self.limiter.retry_after(caller.fingerprint)
            if wait > 0:
                seconds = max(1, int(wait + 0.999))
                return segment_error(request, 429, f"Too many requests for this key; retry in {seconds} s.",
                                     ErrorCode.RATE_LIMITED, {"Retry-After": str(seconds)})
        try:
            report = await run_in_threadpool(state.doors.intake.accept_messages, messages, arrival_ms, sent_at)
        except (StoreUnavailableError, ConfigError) as e:
            return segment_error(request, 503, f"The event stream did not take the batch ({e}); nothing or all of "
                                 "it was queued, so send it again (each message applies once per messageId).",
                                 ErrorCode.STORE_UNAVAILABLE, {"Retry-After": "1"})
        state.metrics.events_received(report.accepted, len(report.rejected))
        answer = dict(SUCCESS)
        if report.rejected:
            answer["rejected"] = report.rejected
        if report.suppressed:
            answer["suppressed"] = report.suppressed
        return JSONResponse(answer)

    def _caller(self, request: Request, body: Any) -> Caller | None:
        caller: Caller | None = request.scope.get(CALLER_KEY)
        if caller is not None:
            return caller
        client = request.client.host if request.client else "unknown"
        write_key = body.get("writeKey") if isinstance(body, Mapping) else None
        if isinstance(write_key, str) and write_key:
            return self.keys.caller_for(f"Bearer {write_key}", client)
        return None


class SegmentCORS:
    """CORS on /v1/* only: a page on another origin may send to the twin (and read its answers, Retry-After
    included). In development mode (no keys) only loopback origins are answered, as the dev-mode guard requires."""

    def __init__(self, app: ASGIApp, open_mode: bool) -> None:
        self.app, self.open_mode = app, open_mode

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        origin = headers.get("origin")
        allowed = origin is not None and (not self.open_mode or loopback_origin(origin))
        cors = [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin"),
                (b"access-control-allow-credentials", b"true"),
                (b"access-control-expose-headers", b"Retry-After")] if allowed and origin else [(b"vary", b"Origin")]
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            preflight = [(b"access-control-allow-methods", b"GET, POST, OPTIONS"),
                         (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
                         (b"access-control-max-age", b"600")] if allowed else []
            await send({"type": "http.response.start", "status": 204, "headers": [*cors, *preflight]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *cors]}
            await send(message)

        await self.app(scope, receive, with_cors)
