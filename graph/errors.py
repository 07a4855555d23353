"""Every error the twin raises on purpose, under one root.

    TwinError
     ├── ConfigError            a setting is missing or malformed (names the variable and the fix)
     ├── StoreError             the graph store failed
     │    ├── StoreUnavailableError   the store cannot be reached (names the URL)
     │    ├── StoreTimeoutError       the store stopped a read at its deadline (names the query and the time)
     │    ├── QueryError              a query was rejected by the engine
     │    │    └── WriteRefusedError   a query run read-only tried to change the graph
     │    └── CompactionError         the engine could not rewrite its persistence files (the data is intact)
     ├── NamedQueryError        a cypher/*.cypher file is malformed, unknown, or given bad parameters
     └── InputError             user input (a file, a row, an argument) is invalid
"""

from __future__ import annotations

import cypher


class TwinError(Exception):
    """Root of the errors the twin raises on purpose; the message is meant for a person."""


class ConfigError(TwinError):
    """A setting is missing or malformed."""


class StoreError(TwinError):
    """The graph store failed."""


class StoreUnavailableError(StoreError):
    """The graph store cannot be reached."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"Cannot reach the graph store at {url}: {reason}")
        self.url = url
        self.reason = reason


class StoreTimeoutError(StoreError):
    """The store stopped a read query at the deadline it was given."""

    def __init__(self, name: str, timeout_ms: int) -> None:
        super().__init__(f"The graph store stopped the query {name!r} at its deadline of {timeout_ms:,} ms.")
        self.name = name
        self.timeout_ms = timeout_ms


class QueryError(StoreError):
    """The engine rejected a query."""


class WriteRefusedError(QueryError):
    """A query run read-only (`GraphStore.read`) tried to change the graph; run it with `write` if that is meant."""


class CompactionError(StoreError):
    """The engine could not rewrite its persistence files (e.g. a full disk); the data stays in the old ones."""


class NamedQueryError(TwinError, cypher.NamedQueryError):
    """A named query is unknown, malformed, or was given bad parameters (file and line in the message)."""


class InputError(TwinError):
    """User input is invalid."""
