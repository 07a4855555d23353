"""Scalars at the API edge: the graph keeps epoch milliseconds; clients see RFC 3339 strings with an offset."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import strawberry
from strawberry.types.scalar import ScalarDefinition

from cypher.moments import from_epoch_ms, to_epoch_ms


def _serialize(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"DateTime {value!r} is not a string; write RFC 3339 with an offset, e.g. 2024-05-01T10:00Z.")
    try:
        return from_epoch_ms(to_epoch_ms(value))
    except ValueError as e:
        raise ValueError(f"DateTime {value!r} is not RFC 3339 with an offset (e.g. 2024-05-01T10:00:00Z): {e}.") from e


DATETIME: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description="A moment in time: an RFC 3339 string with an offset, e.g. 2024-05-01T10:00:00Z (answers are in UTC).",
    serialize=_serialize,
    parse_value=_parse,
)


def from_ms(ms: Any) -> datetime | None:
    """An epoch-milliseconds property as an aware UTC datetime (None stays None)."""
    if ms is None:
        return None
    return from_epoch_ms(ms)


def to_ms(moment: datetime | None) -> int | None:
    """Epoch milliseconds of an aware datetime, rounded toward minus infinity (None stays None)."""
    return None if moment is None else to_epoch_ms(moment)
