"""What the API refuses so that one caller cannot hurt the others: big bodies, floods of requests (over HTTP and over
WebSockets alike), too many sockets and running subscriptions per key.

The limits are `graph.settings.ApiLimits` (read once with the rest of the settings); what one operation may ask for
(depth, cost, argument ranges) is api/complexity.py; what each limit protects is docs/security.md.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage, SubscribeMessage

from api.auth import CALLER_KEY, Caller
from api.errors import ErrorCode, send_error

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
            await self._refuse(scope, receive, send)
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
                await self._refuse(scope, receive, send, more=message.get("more_body", False))
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

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, more: bool = True) -> None:
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
        await send_error(scope, send, 413, message_text, ErrorCode.PAYLOAD_TOO_LARGE)


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
                await send_error(scope, send, 429, message, ErrorCode.RATE_LIMITED,
                                 [(b"retry-after", str(seconds).encode())])
                return
        await self.app(scope, receive, send)


# -- WebSockets -------------------------------------------------------------------------------------------------
class SocketCaps:
    """Per key (the caller's fingerprint), in this process: open GraphQL WebSockets and operations running on them."""

    def __init__(self, max_sockets: int, max_operations: int) -> None:
        self.max_sockets, self.max_operations = max_sockets, max_operations
        self.sockets: Counter[str] = Counter()
        self.operations: Counter[str] = Counter()

    def admit(self, counts: Counter[str], key: str, maximum: int) -> bool:
        if counts[key] >= maximum:
            return False
        counts[key] += 1
        return True

    def release(self, counts: Counter[str], key: str) -> None:
        counts[key] -= 1
        if counts[key] <= 0:
            del counts[key]


class LimitedTransportWS(BaseGraphQLTransportWSHandler[Any, Any]):
    """graphql-transport-ws under the API's limits: each `subscribe` message is one request against the key's rate
    (the events a subscription pushes are not), a key keeps at most DTC_API_MAX_SOCKETS sockets open (close 4429)
    and DTC_API_MAX_SUBSCRIPTIONS operations running (an `error` message, RATE_LIMITED). Depth, cost and the deadline
    apply through the schema, as over HTTP. The view holds the limiter and caps (api.app.TwinGraphQL)."""

    admitted: str | None = None  # the key this socket is counted for

    @property
    def caps(self) -> SocketCaps:
        caps: SocketCaps = getattr(self.view, "socket_caps")  # noqa: B009 - the twin's view, not strawberry's type
        return caps

    @property
    def limiter(self) -> RateLimiter:
        limiter: RateLimiter = getattr(self.view, "rate_limiter")  # noqa: B009
        return limiter

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)  # authenticates (the view's on_ws_connect) and acknowledges
        caller: Caller | None = getattr(self.context, "caller", None)
        if not self.connection_acknowledged or caller is None or self.admitted is not None:
            return
        caps = self.caps
        if caps.admit(caps.sockets, caller.fingerprint, caps.max_sockets):
            self.admitted = caller.fingerprint
        else:
            await self.websocket.close(4429, f"This key has {caps.max_sockets} WebSockets open already (the limit); "
                                             "close one, or share one socket between subscriptions.")

    async def shutdown(self) -> None:
        try:
            await super().shutdown()
        finally:
            if self.admitted is not None:
                self.caps.release(self.caps.sockets, self.admitted)
                self.admitted = None

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        caller: Caller | None = getattr(self.context, "caller", None)
        if not self.connection_acknowledged or caller is None or message["id"] in self.operations:
            await super().handle_subscribe(message)  # strawberry closes the socket for these
            return
        caps = self.caps
        wait = self.limiter.retry_after(caller.fingerprint)
        if wait > 0:
            seconds = max(1, int(wait + 0.999))
            await self._refuse(message["id"], f"Too many requests for this key; retry in {seconds} s (the limit is "
                                              "per key, over HTTP and WebSockets).", seconds)
            return
        if not caps.admit(caps.operations, caller.fingerprint, caps.max_operations):
            await self._refuse(message["id"], f"This key runs {caps.max_operations} operations over its WebSockets "
                                              "already (the limit); complete one first.", None)
            return
        await super().handle_subscribe(message)
        operation = self.operations.get(message["id"])
        if operation is None or operation.task is None:
            caps.release(caps.operations, caller.fingerprint)
        else:
            operation.task.add_done_callback(lambda _: caps.release(caps.operations, caller.fingerprint))

    async def _refuse(self, operation_id: str, message: str, retry_after: int | None) -> None:
        extensions: dict[str, Any] = {"code": ErrorCode.RATE_LIMITED.value,
                                      "requestId": getattr(self.context, "request_id", "-")}
        if retry_after is not None:
            extensions["retryAfter"] = retry_after
        await self.send_message({"id": operation_id, "type": "error",
                                 "payload": [{"message": message, "extensions": extensions}]})
