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
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from graph.errors import ConfigError

DEFAULT_GRAPH_URL = "embedded://./.dtc"


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
    state_dir_override: str | None = None

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
            journey_gap_days=_positive_float(env, "DTC_JOURNEY_GAP_DAYS", 30.0),
            state_dir_override=env.get("DTC_STATE_DIR") or None,
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


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number; set it to a positive number of days.") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be positive.")
    return value
