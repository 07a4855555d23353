"""Configuration, read once from the environment by `Settings.from_env()` and passed down.

| variable | default | meaning |
| --- | --- | --- |
| DTC_GRAPH_URL | embedded://./.dtc | the store: embedded://DIR, falkordb://host:port, bolt://…, neo4j://… |
| DTC_GRAPH_NAME | twin | graph name on FalkorDB (one server can hold several twins) |
| DTC_NEO4J_USER / _PASSWORD / _DATABASE | neo4j / (none) / neo4j | Neo4j credentials, database |
| DTC_REDIS_URL | (the embedded server) | Redis for the event stream when the store is Neo4j or external |
| DTC_IDENTITY_KEY | (a key file in the state dir) | secret of the keyed identity hash; never stored in the graph |
| DTC_API_KEYS | (none: open dev mode, loopback only) | `key:role,…` with roles admin, analyst, frontend, ingest |
| DTC_PII_ROLES | admin | roles that may read personal data |
| DTC_EMBEDDING_MODEL | (the packaged all-MiniLM-L6-v2) | a path or model name for sentence-transformers |
| DTC_JOURNEY_GAP_DAYS | 30 | inactivity gap that splits a customer's events into journeys |
| DTC_STATE_DIR | the embedded DIR, else ./.dtc-state | ingest checkpoints, rejects-file list, identity key file |
| DTC_INGEST_STATE_MB | 128 | memory an ingest or worker keeps customers' live-state folds in; the rest on local disk |
| DTC_EMBEDDED_IDLE_S | 300 | seconds the embedded server stays up once its last user left (0: stop at once) |
| DTC_SEGMENT_MAPPING | (docs/segment.md defaults) | a YAML file overriding how Segment messages map (`/v1/*`) |

The API's limits (`ApiLimits`, what each protects: docs/security.md):

| variable | default | limit |
| --- | --- | --- |
| DTC_API_MAX_DEPTH | 10 | nesting of fields in one operation |
| DTC_API_MAX_COST | 10000 | estimated cost of one operation (api/complexity.py) |
| DTC_API_MAX_TOKENS | 2000 | tokens in a query document (parsing stops there) |
| DTC_API_MAX_BODY_BYTES | 1048576 | request body (HTTP 413 above) |
| DTC_API_RATE | 50 | requests per second per key, sustained (0 = no limit); HTTP 429 with Retry-After above |
| DTC_API_BURST | 200 | requests a key may send at once before the rate applies |
| DTC_API_DEADLINE_MS | 10000 | time the store may spend on each read query of an API request (DEADLINE_EXCEEDED) |
| DTC_API_MAX_SOCKETS | 16 | open GraphQL WebSockets per key |
| DTC_API_MAX_SUBSCRIPTIONS | 64 | running operations per key over all its WebSockets |
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from graph.errors import ConfigError

DEFAULT_GRAPH_URL = "embedded://./.dtc"
DEFAULT_EMBEDDED_IDLE_S = 300.0  # consecutive `dtc` commands find the server up instead of each starting it


@dataclass(frozen=True)
class ApiLimits:
    """What the API refuses so that one caller cannot hurt the others (read with the rest of `Settings`)."""

    max_depth: int = 10
    max_cost: int = 10_000
    # the largest document the dashboard or GraphiQL sends is under 200 tokens; at 2,000 the worst document still
    # parses and validates in ~30 ms (15,000 allowed documents that took graphql-core's validation over a second)
    max_tokens: int = 2_000
    max_body_bytes: int = 1_048_576
    rate_per_second: float = 50.0
    burst: int = 200
    # above the slowest exact answer at 1M interactions (journey-map, ~3 s measured) with room for a loaded machine
    deadline_ms: int = 10_000
    max_sockets: int = 16
    max_subscriptions: int = 64

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ApiLimits:
        d = cls()
        return cls(
            max_depth=_number(env, "DTC_API_MAX_DEPTH", d.max_depth, 1),
            max_cost=_number(env, "DTC_API_MAX_COST", d.max_cost, 1),
            max_tokens=_number(env, "DTC_API_MAX_TOKENS", d.max_tokens, 100),
            max_body_bytes=_number(env, "DTC_API_MAX_BODY_BYTES", d.max_body_bytes, 1024),
            rate_per_second=float(_number(env, "DTC_API_RATE", d.rate_per_second, 0)),
            burst=_number(env, "DTC_API_BURST", d.burst, 1),
            deadline_ms=_number(env, "DTC_API_DEADLINE_MS", d.deadline_ms, 1),
            max_sockets=_number(env, "DTC_API_MAX_SOCKETS", d.max_sockets, 1),
            max_subscriptions=_number(env, "DTC_API_MAX_SUBSCRIPTIONS", d.max_subscriptions, 1),
        )


@dataclass(frozen=True)
class Settings:
    graph_url: str = DEFAULT_GRAPH_URL
    graph_name: str = "twin"
    neo4j_user: str = "neo4j"
    neo4j_password: str | None = None
    neo4j_database: str = "neo4j"
    redis_url: str | None = None
    identity_key: str | None = None
    api_keys: Mapping[str, str] = field(default_factory=dict)
    pii_roles: frozenset[str] = frozenset({"admin"})
    embedding_model: str | None = None
    journey_gap_days: float = 30.0
    ingest_state_mb: float = 128.0
    state_dir_override: str | None = None
    embedded_idle_s: float = 0.0  # in code the last user stops the server; the environment's default is above
    segment_mapping: str | None = None  # a YAML override of the Segment mapping (ingest.segment), for /v1/*
    api_limits: ApiLimits = field(default_factory=ApiLimits)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            graph_url=env.get("DTC_GRAPH_URL") or DEFAULT_GRAPH_URL,
            graph_name=env.get("DTC_GRAPH_NAME") or "twin",
            neo4j_user=env.get("DTC_NEO4J_USER") or "neo4j",
            neo4j_password=env.get("DTC_NEO4J_PASSWORD") or None,
            neo4j_database=env.get("DTC_NEO4J_DATABASE") or "neo4j",
            redis_url=env.get("DTC_REDIS_URL") or None,
            identity_key=env.get("DTC_IDENTITY_KEY") or None,
            api_keys=parse_api_keys(env.get("DTC_API_KEYS", "")),
            pii_roles=frozenset(r.strip() for r in (env.get("DTC_PII_ROLES") or "admin").split(",") if r.strip()),
            embedding_model=env.get("DTC_EMBEDDING_MODEL") or None,
            journey_gap_days=_number(env, "DTC_JOURNEY_GAP_DAYS", 30.0, 0, above=True),
            ingest_state_mb=_number(env, "DTC_INGEST_STATE_MB", cls.ingest_state_mb, 0, above=True),
            state_dir_override=env.get("DTC_STATE_DIR") or None,
            embedded_idle_s=_number(env, "DTC_EMBEDDED_IDLE_S", DEFAULT_EMBEDDED_IDLE_S, 0),
            segment_mapping=env.get("DTC_SEGMENT_MAPPING") or None,
            api_limits=ApiLimits.from_env(env),
        )

    def with_graph_url(self, url: str) -> Settings:
        return replace(self, graph_url=url)

    @property
    def embedded_dir(self) -> Path | None:
        """The data directory of an `embedded://DIR` store, else None."""
        if not self.graph_url.startswith("embedded://"):
            return None
        return Path(self.graph_url.removeprefix("embedded://") or ".dtc").expanduser().resolve()

    @property
    def state_dir(self) -> Path:
        """Where local state lives: ingest checkpoints, the rejects-file list, the identity key file."""
        if self.state_dir_override:
            return Path(self.state_dir_override).expanduser().resolve()
        return self.embedded_dir or Path(".dtc-state").resolve()


ROLES = frozenset({"admin", "analyst", "frontend", "ingest"})


def parse_api_keys(text: str) -> dict[str, str]:
    """Parse `key:role,key:role` into {key: role}; a malformed entry is a ConfigError that never echoes the key."""
    keys: dict[str, str] = {}
    for n, entry in enumerate((e.strip() for e in text.split(",")), start=1):
        if not entry:
            continue
        key, sep, role = entry.rpartition(":")
        if not sep or not key or role not in ROLES:
            raise ConfigError(
                f"DTC_API_KEYS entry {n} is not 'key:role' with a role among {', '.join(sorted(ROLES))}."
            )
        keys[key] = role
    return keys


N = TypeVar("N", int, float)


def _number(env: Mapping[str, str], name: str, default: N, minimum: float, *, above: bool = False) -> N:
    """The number `name` holds (of the default's type), at least `minimum` (or above it); the default when unset."""
    raw = env.get(name)
    if not raw:
        return default
    kind = "a whole number" if isinstance(default, int) else "a number"
    bound = f"{'above' if above else 'at least'} {minimum:g}"
    try:
        value = type(default)(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not {kind}; set it to {kind} {bound}.") from None
    if not math.isfinite(value) or value < minimum or (above and value == minimum):
        raise ConfigError(f"{name}={raw!r} is out of range; set it to {kind} {bound}.")
    return value
