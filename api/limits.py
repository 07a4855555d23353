"""What the API refuses so that one caller cannot hurt the others: deep or costly queries, big bodies, floods.

| variable | default | limit |
| --- | --- | --- |
| DTC_API_MAX_DEPTH | 10 | nesting of fields (introspection may go 5 deeper, for GraphiQL) |
| DTC_API_MAX_COST | 10000 | estimated cost: root field 10, object field 1, times the page size of lists below it |
| DTC_API_MAX_TOKENS | 15000 | tokens in a query document (parsing stops there) |
| DTC_API_MAX_BODY_BYTES | 1048576 | request body (HTTP 413 above) |
| DTC_API_RATE | 50 | requests per second per key, sustained (0 = no limit); HTTP 429 with Retry-After above |
| DTC_API_BURST | 200 | requests a key may send at once before the rate applies |
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import CALLER_KEY, Caller
from api.errors import ApiError, ErrorCode, send_error
from graph.errors import ConfigError

ROOT_FIELD_COST = 10  # every root field is at least one trip to the store
UNKNOWN_LIST_SIZE = 10  # a list without a page size (a journey's interactions, a customer's personas, …)
DEFAULT_PAGE, MAX_PAGE = 20, 200


@dataclass(frozen=True)
class Limits:
    max_depth: int = 10
    max_cost: int = 10_000
    max_tokens: int = 15_000
    max_body_bytes: int = 1_048_576
    rate_per_second: float = 50.0
    burst: int = 200

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Limits:
        env = os.environ if env is None else env
        d = cls()
        return cls(
            max_depth=_int(env, "DTC_API_MAX_DEPTH", d.max_depth, 1),
            max_cost=_int(env, "DTC_API_MAX_COST", d.max_cost, 1),
            max_tokens=_int(env, "DTC_API_MAX_TOKENS", d.max_tokens, 100),
            max_body_bytes=_int(env, "DTC_API_MAX_BODY_BYTES", d.max_body_bytes, 1024),
            rate_per_second=float(_int(env, "DTC_API_RATE", int(d.rate_per_second), 0)),
            burst=_int(env, "DTC_API_BURST", d.burst, 1),
        )


def _int(env: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number; set it to an integer >= {minimum}.") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r} is below {minimum}; set it to an integer >= {minimum}.")
    return value


# -- query depth and cost ---------------------------------------------------------------------------------------------
def page_size(first: int | None, last: int | None) -> int:
    """The page size a connection serves: `first` or `last`, default 20; refuses values outside 0..200."""
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE:
            raise ApiError(f"{name}: {value} is out of range; ask for 0 to {MAX_PAGE} items and page with cursors.",
                           ErrorCode.BAD_USER_INPUT)
    if first is not None and last is not None:
        raise ApiError("Give first (with after) or last (with before), not both.", ErrorCode.BAD_USER_INPUT)
    return first if first is not None else last if last is not None else DEFAULT_PAGE


def complexity_rule(limits: Limits) -> type[ValidationRule]:
    """A validation rule that refuses operations deeper than `max_depth` or costlier than `max_cost`."""

    class QueryComplexity(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            root = self.context.schema.get_root_type(node.operation)
            if root is None:
                return
            walk = _Walk(self.context)
            cost = walk.cost(node.selection_set, root, depth=1, root=True)
            if walk.too_deep:
                self.report_error(ApiError(
                    f"The query nests {walk.too_deep} levels deep, more than the {limits.max_depth} allowed; "
                    "ask for less at once, or split it into several queries.", ErrorCode.QUERY_TOO_COMPLEX,
                    nodes=[node]))
            elif cost > limits.max_cost:
                self.report_error(ApiError(
                    f"The query's estimated cost is {cost:,}, over the limit of {limits.max_cost:,} (each root field "
                    "costs 10 and lists multiply what they hold by their page size); ask for smaller pages or fewer "
                    "aliases.", ErrorCode.QUERY_TOO_COMPLEX, nodes=[node]))

    class _Walk:
        def __init__(self, context: ValidationContext) -> None:
            self.context = context
            self.too_deep = 0
            self.seen_fragments: list[str] = []

        def cost(self, selections: SelectionSetNode, parent: GraphQLNamedType, depth: int, root: bool = False,
                 introspection: bool = False) -> int:
            total = 0
            for selection in selections.selections:
                if isinstance(selection, FieldNode):
                    total += self.field(selection, parent, depth, root, introspection)
                elif isinstance(selection, InlineFragmentNode):
                    cond = selection.type_condition
                    target = self.context.schema.get_type(cond.name.value) if cond else parent
                    total += self.cost(selection.selection_set, target or parent, depth, root, introspection)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.context.get_fragment(name)
                    if fragment is None or name in self.seen_fragments:
                        continue  # unknown or cyclic fragments are reported by the standard rules
                    target = self.context.schema.get_type(fragment.type_condition.name.value) or parent
                    self.seen_fragments.append(name)
                    total += self.cost(fragment.selection_set, target, depth, root, introspection)
                    self.seen_fragments.pop()
            return total

        def field(self, node: FieldNode, parent: GraphQLNamedType, depth: int, root: bool,
                  introspection: bool) -> int:
            name = node.name.value
            introspection = introspection or name.startswith("__")
            allowed = limits.max_depth + (5 if introspection else 0)
            if depth > allowed:
                self.too_deep = max(self.too_deep, depth)
                return 0
            if node.selection_set is None:
                return ROOT_FIELD_COST if root else 0
            definition = _field_def(parent, name)
            if definition is None:
                return 0  # unknown fields are reported by the standard rules
            child = _named(definition.type)
            inner = self.cost(node.selection_set, child, depth + 1, introspection=introspection)
            own = ROOT_FIELD_COST if root else 1
            return own + _multiplier(node, definition.type) * inner

    return QueryComplexity


def _field_def(parent: GraphQLNamedType, name: str) -> GraphQLField | None:
    fields = getattr(parent, "fields", None)
    if fields is None or name not in fields:
        return None
    field: GraphQLField = fields[name]
    return field


def _named(type_: GraphQLOutputType) -> GraphQLNamedType:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    assert not isinstance(type_, GraphQLNonNull | GraphQLList)
    return type_


def _multiplier(node: FieldNode, type_: GraphQLOutputType) -> int:
    args = {a.name.value: a.value for a in node.arguments or ()}
    for name in ("first", "last", "k", "limit"):
        if name in args:
            value = args[name]
            # a variable's value is unknown while validating: assume the largest page
            return min(int(value.value), MAX_PAGE) if isinstance(value, IntValueNode) else MAX_PAGE
    named = _named(type_)
    if isinstance(named, GraphQLObjectType) and named.name.endswith("Connection"):
        return DEFAULT_PAGE
    if node.name.value == "edges":
        return 1  # the connection above already multiplied by its page size
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return UNKNOWN_LIST_SIZE if isinstance(type_, GraphQLList) else 1


# -- body size ----------------------------------------------------------------------------------------------------
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024  # past this, an oversized upload is cut off rather than read to its end

class BodySizeLimit:
    """Answer 413 to request bodies over the limit, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(receive, send)
            return
        # read the whole body first (it is at most max_bytes), then replay it to the app
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(receive, send, more=message.get("more_body", False))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, receive: Receive, send: Send, more: bool = True) -> None:
        # read (and drop) what the client is still sending, up to a bound: closing on a client mid-upload makes it
        # see a broken pipe instead of this answer
        drained = 0
        while more and drained < DRAIN_LIMIT_BYTES:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            drained += len(message.get("body", b""))
            more = message.get("more_body", False)
        message_text = (f"The request body is over the {self.max_bytes:,}-byte limit; send smaller queries, or post "
                        "events in several batches.")
        await send_error(send, 413, message_text, ErrorCode.PAYLOAD_TOO_LARGE)


# -- rate ---------------------------------------------------------------------------------------------------------
class RateLimiter:
    """A token bucket per caller: `burst` requests at once, then `rate_per_second` sustained."""

    def __init__(self, rate_per_second: float, burst: int) -> None:
        self.rate, self.burst = rate_per_second, float(burst)
        self._buckets: dict[str, tuple[float, float]] = {}  # fingerprint -> (tokens, last refill)

    def retry_after(self, fingerprint: str, now: float | None = None) -> float:
        """Take one token for this caller: 0 when allowed, else the seconds until a token is back."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(fingerprint, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self._buckets[fingerprint] = (tokens - 1, now)
            return 0.0
        self._buckets[fingerprint] = (tokens, now)
        if len(self._buckets) > 100_000:  # forget idle callers rather than grow without bound
            self._buckets.clear()
        return (1 - tokens) / self.rate


class RateLimit:
    """Answer 429 (with Retry-After) when a caller exceeds its rate on the guarded paths."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, guarded: tuple[str, ...]) -> None:
        self.app, self.limiter, self.guarded = app, limiter, guarded

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        caller: Caller | None = scope.get(CALLER_KEY)
        if scope["type"] == "http" and caller is not None and scope["path"] in self.guarded:
            wait = self.limiter.retry_after(caller.fingerprint)
            if wait > 0:
                seconds = max(1, int(wait + 0.999))
                message = f"Too many requests for this key; retry in {seconds} s (the limit is per key)."
                await send_error(send, 429, message, ErrorCode.RATE_LIMITED, [(b"retry-after", str(seconds).encode())])
                return
        await self.app(scope, receive, send)
