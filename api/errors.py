"""How the API reports failures: every GraphQL error carries `extensions.code`, and nothing internal leaks.

    code                       when
    BAD_USER_INPUT             an argument or input is invalid (names the value and the fix)
    UNAUTHENTICATED            no key, or an unknown key (HTTP 401)
    FORBIDDEN                  the caller's role may not do this (HTTP 403 outside GraphQL)
    STORE_UNAVAILABLE          the graph store or the event stream cannot be reached; retry later (HTTP 503)
    DEADLINE_EXCEEDED          the store stopped a query at the API's deadline (DTC_API_DEADLINE_MS)
    QUERY_TOO_COMPLEX          the query is deeper, costlier or longer than the limits allow
    RATE_LIMITED               too many requests, sockets or subscriptions for this key (HTTP 429, Retry-After)
    PAYLOAD_TOO_LARGE          the request body is over the size limit (HTTP 413)
    MALFORMED_BODY             the body is not JSON the API reads (HTTP 400)
    UNSUPPORTED_MEDIA_TYPE     the body is not JSON where only JSON is taken (HTTP 415)
    BAD_REQUEST                the request cannot be used as sent (HTTP 400)
    NOT_FOUND                  no such path (HTTP 404)
    METHOD_NOT_ALLOWED         the path does not take this method (HTTP 405)
    GRAPHQL_PARSE_FAILED       the query is not GraphQL
    GRAPHQL_VALIDATION_FAILED  the query does not fit the schema
    INTERNAL_SERVER_ERROR      a bug: logged with the request id, the client only sees that id (HTTP 500)

Every error answer carries the request id (`extensions.requestId`, and the `X-Request-Id` header of every response).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError, GraphQLSyntaxError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from graph.errors import ConfigError, InputError, NamedQueryError, StoreTimeoutError, StoreUnavailableError

log = logging.getLogger("dtc.api")


class ErrorCode(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    STORE_UNAVAILABLE = "STORE_UNAVAILABLE"
    DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    RATE_LIMITED = "RATE_LIMITED"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    MALFORMED_BODY = "MALFORMED_BODY"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    BAD_REQUEST = "BAD_REQUEST"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class ApiError(GraphQLError):
    """An expected failure with its code; raise it from resolvers and validation rules."""

    def __init__(self, message: str, code: ErrorCode, **kwargs: Any) -> None:
        super().__init__(message, extensions={"code": code.value}, **kwargs)
        self.code = code


def bad_input(message: str) -> ApiError:
    return ApiError(message, ErrorCode.BAD_USER_INPUT)


def forbidden(message: str) -> ApiError:
    return ApiError(message, ErrorCode.FORBIDDEN)


HTTP_STATUS_CODES = {400: ErrorCode.BAD_REQUEST, 401: ErrorCode.UNAUTHENTICATED, 403: ErrorCode.FORBIDDEN,
                     404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED, 413: ErrorCode.PAYLOAD_TOO_LARGE,
                     415: ErrorCode.UNSUPPORTED_MEDIA_TYPE, 429: ErrorCode.RATE_LIMITED,
                     503: ErrorCode.STORE_UNAVAILABLE}


SEGMENT_PATHS = "/v1/"  # the Segment-shaped endpoints (api/segment.py): their SDKs read {code, message}


def error_body(message: str, code: ErrorCode, request_id: str) -> dict[str, Any]:
    """A GraphQL-shaped body for failures answered outside GraphQL (400, 401, 403, 413, 415, 429, 503, …)."""
    return {"data": None, "errors": [{"message": message, "extensions": {"code": code.value, "requestId": request_id}}]}


def body_for(scope: Scope, message: str, code: ErrorCode) -> dict[str, Any]:
    """The error body a caller of this path reads: Segment's SDKs read `code` and `message` at the top (one of them
    raises on anything else), everyone else the GraphQL shape."""
    if str(scope.get("path", "")).startswith(SEGMENT_PATHS):
        return {"code": code.value, "message": message, "requestId": request_id_of(scope)}
    return error_body(message, code, request_id_of(scope))


def error_response(scope: Scope, status: int, message: str, code: ErrorCode | None = None,
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    """An HTTP error answer: the GraphQL-shaped body, its code (by default the status's), the request id."""
    code = code or HTTP_STATUS_CODES.get(status, ErrorCode.BAD_REQUEST)
    return JSONResponse(body_for(scope, message, code), status_code=status, headers=headers)


class RefusedRequest(HTTPException):
    """An HTTP refusal with its code, raised inside strawberry's view (which turns it into error_response)."""

    def __init__(self, status: int, message: str, code: ErrorCode) -> None:
        super().__init__(status, message)
        self.code = code


async def send_error(scope: Scope, send: Send, status: int, message: str, code: ErrorCode,
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Answer a raw ASGI request with a JSON error body (used by the middlewares, before any app runs)."""
    data = json.dumps(body_for(scope, message, code)).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": data})


# -- request ids --------------------------------------------------------------------------------------------------
REQUEST_ID_KEY = "dtc.request_id"  # where RequestIds leaves the id in the ASGI scope
_GOOD_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id_of(scope: Scope) -> str:
    return str(scope.get(REQUEST_ID_KEY) or "-")


class RequestIds:
    """Give every request an id (a proxy's sane X-Request-Id, else a new one), echoed in the X-Request-Id header of
    the response and named by every error answer and log line about the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        offered = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = offered if _GOOD_REQUEST_ID.fullmatch(offered) else secrets.token_hex(6)
        scope[REQUEST_ID_KEY] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                    (b"x-request-id", request_id.encode())]}
            await send(message)

        await self.app(scope, receive, send_with_id if scope["type"] == "http" else send)


def classify(error: GraphQLError) -> ErrorCode:
    """The code for any error a GraphQL operation produced."""
    original = error.original_error
    for candidate in (original, error):
        if isinstance(candidate, ApiError):
            return candidate.code
    if isinstance(original, StoreTimeoutError):
        return ErrorCode.DEADLINE_EXCEEDED
    if isinstance(original, StoreUnavailableError | ConfigError):  # a ConfigError names the setting that is missing
        return ErrorCode.STORE_UNAVAILABLE
    if isinstance(original, InputError | NamedQueryError):
        return ErrorCode.BAD_USER_INPUT
    if isinstance(error, GraphQLSyntaxError):
        # graphql-core aborts parsing past the token limit with a syntax error; it is a size refusal, not a typo
        return ErrorCode.QUERY_TOO_COMPLEX if "tokens" in error.message else ErrorCode.GRAPHQL_PARSE_FAILED
    if error.path is None:  # raised before any resolver ran: the request itself is at fault
        if error.message.startswith("Variable '$") or "Expected value of type" in error.message:
            return ErrorCode.BAD_USER_INPUT
        if error.message.startswith("Maximum introspection depth") or error.message == VALIDATION_ABORTED:
            return ErrorCode.QUERY_TOO_COMPLEX  # graphql-core's own guards
        return ErrorCode.GRAPHQL_VALIDATION_FAILED
    return ErrorCode.INTERNAL_SERVER_ERROR


VALIDATION_ABORTED = "Validation aborted."  # graphql-core's overlap or fragment work budget ran out


def with_codes(errors: list[GraphQLError], context: object) -> list[GraphQLError]:
    """The errors with their `extensions.code` (each error rewritten once), counted in the metrics."""
    request_id = getattr(context, "request_id", "-")
    metrics = getattr(context, "metrics", None)
    rewritten = []
    for error in errors:
        if (error.extensions or {}).get("requestId"):
            rewritten.append(error)  # already done
            continue
        error = _rewrite(error, request_id)
        if metrics is not None:
            metrics.graphql_error((error.extensions or {}).get("code", "UNKNOWN"))
        rewritten.append(error)
    return rewritten


class ErrorCodes(SchemaExtension):
    """Give every error of an operation its `extensions.code`; internal errors become a message naming the
    request id (the details go to the log)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            result.errors = with_codes(errors, self.execution_context.context)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """The same for each result sent over a WebSocket, before it is sent."""
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = with_codes(errors, self.execution_context.context)
        yield


def _rewrite(error: GraphQLError, request_id: str) -> GraphQLError:
    code = classify(error)
    message = error.message
    if code is ErrorCode.INTERNAL_SERVER_ERROR:
        log.error("request %s: internal error at %s", request_id, error.path, exc_info=error.original_error or error)
        message = f"Internal error; the server logged it under request id {request_id}."
    elif code is ErrorCode.QUERY_TOO_COMPLEX and isinstance(error, GraphQLSyntaxError):
        message = ("The query document is longer than the token limit allows (DTC_API_MAX_TOKENS); send fewer fields "
                   "or aliases per request.")
    elif code is ErrorCode.QUERY_TOO_COMPLEX and error.message == VALIDATION_ABORTED:
        message = ("The query repeats fields or fragments too often to be checked; select each field once per "
                   "selection set and use fewer fragments.")
    elif code is ErrorCode.DEADLINE_EXCEEDED:
        log.warning("request %s: %s", request_id, error.message)
        limit = getattr(error.original_error, "timeout_ms", 0)
        message = (f"The store stopped this question at the API's deadline of {limit:,} ms; ask for less (a shorter "
                   "period, a smaller limit), or ask an admin about DTC_API_DEADLINE_MS.")
    elif code is ErrorCode.STORE_UNAVAILABLE:
        log.warning("request %s: %s", request_id, error.message)
        message = "The graph store is unavailable; retry in a moment."
    return GraphQLError(message, nodes=error.nodes, source=error.source, positions=error.positions, path=error.path,
                        extensions={**(error.extensions or {}), "code": code.value, "requestId": request_id})
