"""How the API reports failures: every GraphQL error carries `extensions.code`, and nothing internal leaks.

    code                       when
    BAD_USER_INPUT             an argument or input is invalid (names the value and the fix)
    UNAUTHENTICATED            no key, or an unknown key (HTTP 401)
    FORBIDDEN                  the caller's role may not do this
    STORE_UNAVAILABLE          the graph store cannot be reached; retry later
    QUERY_TOO_COMPLEX          the query is deeper, costlier or longer than the limits allow
    RATE_LIMITED               too many requests for this key (HTTP 429, Retry-After)
    PAYLOAD_TOO_LARGE          the request body is over the size limit (HTTP 413)
    GRAPHQL_PARSE_FAILED       the query is not GraphQL
    GRAPHQL_VALIDATION_FAILED  the query does not fit the schema
    INTERNAL_SERVER_ERROR      a bug: logged with the request id, the client only sees that id
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from starlette.types import Send
from strawberry.extensions import SchemaExtension

from graph.errors import InputError, NamedQueryError, StoreUnavailableError

log = logging.getLogger("dtc.api")


class ErrorCode(StrEnum):
    BAD_USER_INPUT = "BAD_USER_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    STORE_UNAVAILABLE = "STORE_UNAVAILABLE"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    RATE_LIMITED = "RATE_LIMITED"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
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


def error_body(message: str, code: ErrorCode) -> dict[str, Any]:
    """A GraphQL-shaped body for failures answered before GraphQL runs (401, 413, 429)."""
    return {"data": None, "errors": [{"message": message, "extensions": {"code": code.value}}]}


async def send_error(send: Send, status: int, message: str, code: ErrorCode,
                     headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Answer a raw ASGI request with a JSON error body (used by the middlewares, before any app runs)."""
    data = json.dumps(error_body(message, code)).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": data})


def classify(error: GraphQLError) -> ErrorCode:
    """The code for any error a GraphQL operation produced."""
    original = error.original_error
    for candidate in (original, error):
        if isinstance(candidate, ApiError):
            return candidate.code
    if isinstance(original, StoreUnavailableError):
        return ErrorCode.STORE_UNAVAILABLE
    if isinstance(original, InputError | NamedQueryError):
        return ErrorCode.BAD_USER_INPUT
    if isinstance(error, GraphQLSyntaxError):
        # graphql-core aborts parsing past the token limit with a syntax error; it is a size refusal, not a typo
        return ErrorCode.QUERY_TOO_COMPLEX if "tokens" in error.message else ErrorCode.GRAPHQL_PARSE_FAILED
    if error.path is None:  # raised before any resolver ran: the request itself is at fault
        if error.message.startswith("Variable '$") or "Expected value of type" in error.message:
            return ErrorCode.BAD_USER_INPUT
        if error.message.startswith("Maximum introspection depth"):  # graphql-core's own guard
            return ErrorCode.QUERY_TOO_COMPLEX
        return ErrorCode.GRAPHQL_VALIDATION_FAILED
    return ErrorCode.INTERNAL_SERVER_ERROR


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


def _rewrite(error: GraphQLError, request_id: str) -> GraphQLError:
    code = classify(error)
    message = error.message
    if code is ErrorCode.INTERNAL_SERVER_ERROR:
        log.error("request %s: internal error at %s", request_id, error.path, exc_info=error.original_error or error)
        message = f"Internal error; the server logged it under request id {request_id}."
    elif code is ErrorCode.QUERY_TOO_COMPLEX and isinstance(error, GraphQLSyntaxError):
        message = ("The query document is longer than the token limit allows (DTC_API_MAX_TOKENS); send fewer fields "
                   "or aliases per request.")
    elif code is ErrorCode.STORE_UNAVAILABLE:
        log.warning("request %s: %s", request_id, error.message)
        message = "The graph store is unavailable; retry in a moment."
    return GraphQLError(message, nodes=error.nodes, source=error.source, positions=error.positions, path=error.path,
                        extensions={**(error.extensions or {}), "code": code.value, "requestId": request_id})
