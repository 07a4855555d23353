"""Who is calling: API keys from DTC_API_KEYS (`key:role,…`) sent as `Authorization: Bearer KEY` (or as the user
name of `Basic`, as the Segment SDKs send a write key).

Roles: `admin` (everything, personal data, erasure), `analyst` and `frontend` (read the twin and its questions;
frontend may also record events and set consent), `ingest` (post events only). Without keys the server runs open,
every caller acting as admin, only on a loopback address, and only for requests a web page of another site cannot
make (DevModeGuard). Keys are compared in constant time and never logged;
callers are known in logs and metrics by a short fingerprint of their key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import ErrorCode, forbidden, send_error
from graph.errors import ConfigError

log = logging.getLogger("dtc.api")

ADMIN, ANALYST, FRONTEND, INGEST = "admin", "analyst", "frontend", "ingest"
READERS = frozenset({ADMIN, ANALYST, FRONTEND})  # may query the twin
EVENT_WRITERS = frozenset({ADMIN, FRONTEND, INGEST})  # may record events
CONSENT_WRITERS = frozenset({ADMIN, FRONTEND})  # a consent banner in a frontend sets consent
METRICS_READERS = frozenset({ADMIN, ANALYST})
CALLER_KEY = "dtc.caller"  # where the middleware leaves the Caller in the ASGI scope


@dataclass(frozen=True)
class Caller:
    role: str
    fingerprint: str  # sha256 prefix of the key (or "open:<client>" in dev mode): safe to log and rate-limit on

    def may(self, roles: frozenset[str]) -> bool:
        return self.role in roles


class KeyRing:
    """The configured keys; `caller_for` finds a key's role in constant time per key."""

    def __init__(self, api_keys: Mapping[str, str]) -> None:
        self._digests = [(_digest(key), role) for key, role in api_keys.items()]

    @property
    def open(self) -> bool:
        """No keys configured: development mode, everyone is admin (loopback only)."""
        return not self._digests

    def caller_for(self, authorization: str | None, client: str) -> Caller | None:
        """The caller for an Authorization header value; None when it names no known key."""
        if self.open:
            return Caller(ADMIN, f"open:{client}")
        key = bearer_or_basic_key(authorization)
        if key is None:
            return None
        digest = _digest(key)
        role: str | None = None
        for known, known_role in self._digests:  # no early exit: the time taken does not depend on which key matched
            if hmac.compare_digest(digest, known):
                role = known_role
        return Caller(role, digest.hex()[:12]) if role else None


def bearer_or_basic_key(authorization: str | None) -> str | None:
    """The key of `Authorization: Bearer KEY`, or of `Basic base64(KEY:)` (the key as the user name, the password
    empty: how Segment's and RudderStack's SDKs send a write key)."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if not token:
        return None
    if scheme.lower() == "bearer":
        return token
    if scheme.lower() == "basic":
        try:
            user = base64.b64decode(token, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        return user.partition(":")[0] or None
    return None


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def require(caller: Caller | None, roles: frozenset[str], action: str) -> Caller:
    """The caller, when its role is among `roles`; else a FORBIDDEN error naming the action and the roles."""
    if caller is None or not caller.may(roles):
        role = caller.role if caller else "anonymous"
        raise forbidden(f"The {role} role may not {action}; it needs one of: {', '.join(sorted(roles))}.")
    return caller


def is_loopback(host: str) -> bool:
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, keys: KeyRing) -> None:
    """Refuse to serve an open API (no keys) anywhere but on loopback; warn about open dev mode there."""
    if keys.open and not is_loopback(host):
        raise ConfigError(
            f"Refusing to serve on {host} without API keys: set DTC_API_KEYS='key:role,…' "
            "(roles admin, analyst, frontend, ingest) or bind to 127.0.0.1."
        )
    if keys.open:
        log.warning("DTC_API_KEYS is not set: the API runs OPEN in development mode on %s; every caller is admin.",
                    host)


class AuthMiddleware:
    """Authenticate HTTP calls to the protected paths (401 for no key or an unknown key) and leave the Caller in
    the scope. WebSockets pass through with whatever their upgrade headers prove: browsers cannot set headers
    there, so GraphQL checks the key sent in `connection_init` instead."""

    def __init__(self, app: ASGIApp, keys: KeyRing, protected: tuple[str, ...]) -> None:
        self.app, self.keys, self.protected = app, keys, protected

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        client = (scope.get("client") or ("unknown", 0))[0]
        caller = self.keys.caller_for(headers.get("authorization"), client)
        scope[CALLER_KEY] = caller
        path: str = scope["path"]
        guarded = any(path == p or path.startswith(p + "/") for p in self.protected)
        if scope["type"] == "http" and guarded and caller is None and not _asks_for_ide(scope, headers):
            await _unauthenticated(scope, send, "authorization" in headers)
            return
        await self.app(scope, receive, send)


def _asks_for_ide(scope: Scope, headers: Mapping[str, str]) -> bool:
    """A browser GET of /graphql gets the GraphiQL page (static HTML); the key goes in its headers panel."""
    return bool(scope["method"] == "GET" and "text/html" in headers.get("accept", "") and not scope.get("query_string"))


async def _unauthenticated(scope: Scope, send: Send, had_key: bool) -> None:
    message = ("The API key is not known; check the key, or ask an admin for one." if had_key else
               "This API needs a key: send 'Authorization: Bearer <key>'.")
    await send_error(scope, send, 401, message, ErrorCode.UNAUTHENTICATED,
                     [(b"www-authenticate", b'Bearer realm="dtc"')])


# -- development mode ---------------------------------------------------------------------------------------------
LOOPBACK_HOST = re.compile(r"(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?", re.IGNORECASE)
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_MEDIA_TYPES = frozenset({"application/json", "application/x-ndjson", "application/jsonl", "application/json-seq"})
# Endpoints that take text/plain in development mode (the Segment endpoints, whose browser library posts it: the app
# passes api.segment.POST_PATHS). They take it only when the request has no Origin or a loopback one, like every
# other write.
PLAIN_TEXT_PATHS: tuple[str, ...] = ()


def loopback_host(host: str) -> bool:
    """A Host header (or an origin's netloc) naming localhost, 127.0.0.1 or [::1], with any port."""
    return LOOPBACK_HOST.fullmatch(host.strip()) is not None


def loopback_origin(origin: str) -> bool:
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and loopback_host(parts.netloc)


def is_json(content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    return media in JSON_MEDIA_TYPES or (media.startswith("application/") and media.endswith("+json"))


class DevModeGuard:
    """Development mode (no keys, everyone admin): answer only what a web page of another site cannot make a browser
    do. Requests must name a loopback host (a DNS-rebinding page names its own); writes and WebSocket upgrades with an
    Origin must come from a loopback origin (CORS does not guard WebSockets, and a cross-site form posts without
    asking); request bodies must be JSON (text/plain and form bodies are what a page can post without a preflight)."""

    def __init__(self, app: ASGIApp, plain_text_paths: tuple[str, ...] = PLAIN_TEXT_PATHS) -> None:
        self.app, self.plain_text_paths = app, plain_text_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": refusal[1][:120]})  # HTTP 403 to the upgrade
        else:
            await send_error(scope, send, refusal[0], refusal[1], refusal[2])

    def refusal(self, scope: Scope) -> tuple[int, str, ErrorCode] | None:
        """(status, message, code) when the request is refused, else None."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host, origin = headers.get("host", ""), headers.get("origin")
        if not loopback_host(host):
            message = (f"In development mode (no DTC_API_KEYS) the API answers only requests to localhost, 127.0.0.1 "
                       f"or [::1], not {host[:100]!r}; set DTC_API_KEYS to serve other host names.")
            return 403, message, ErrorCode.FORBIDDEN
        writes = scope["type"] == "websocket" or scope["method"] in STATE_CHANGING
        if writes and origin is not None and not loopback_origin(origin):
            return 403, (f"In development mode (no DTC_API_KEYS) the API takes writes and WebSockets only from pages "
                         f"served by localhost, not from {origin[:100]!r}."), ErrorCode.FORBIDDEN
        if scope["type"] == "http" and scope["method"] in STATE_CHANGING:
            content_type = headers.get("content-type", "")
            plain_allowed = scope["path"] in self.plain_text_paths and content_type.startswith("text/plain")
            if not is_json(content_type) and not plain_allowed:
                message = (f"In development mode (no DTC_API_KEYS) request bodies must be JSON (Content-Type: "
                           f"application/json or application/x-ndjson), not {content_type[:60]!r}.")
                return 415, message, ErrorCode.UNSUPPORTED_MEDIA_TYPE
        return None
