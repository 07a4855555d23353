"""Moments as the twin stores them: epoch milliseconds (UTC), read from numbers, datetimes or RFC 3339 text.

One parser for every way in (event and customer files, query parameters, the API's DateTime scalar), so a moment
means the same everywhere; standard library only, like the rest of this package.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

DAY_MS = 86_400_000
MOMENT_FORMATS = ("epoch milliseconds (e.g. 1714557600000) or an RFC 3339 time with its offset "
                  "(e.g. 2024-05-01T10:00:00Z or 2024-05-01T12:00:00+02:00)")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)  # UTC, for writing: a naive time writes no offset, so Z follows at once
_MS = timedelta(milliseconds=1)
# RFC 3339 date-time (T or a space; lower case t and z allowed; seconds optional, as ingest always took them)
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})")


def now_ms() -> int:
    """The current time in epoch milliseconds."""
    return time.time_ns() // 1_000_000


def from_epoch_ms(ms: int) -> datetime:
    """The aware UTC datetime of epoch milliseconds, in integer arithmetic (exact to the millisecond)."""
    return _EPOCH + timedelta(milliseconds=int(ms))


def rfc3339(ms: int, timespec: str = "milliseconds") -> str:
    """Epoch milliseconds written as RFC 3339 in UTC, e.g. `2024-05-01T10:00:00.000Z`: the one way moments leave the
    twin as text (exports, files, messages)."""
    return (_NAIVE_EPOCH + timedelta(milliseconds=int(ms))).isoformat(timespec=timespec) + "Z"  # no offset to write


class WrittenMoment(str):
    """RFC 3339 text the twin wrote itself (`written_moment`), holding the epoch milliseconds it was written from:
    `rfc3339_ms` reads those back instead of parsing the text again (a mapped Segment message's times are parsed
    once, when the message is read, not again when its records are validated)."""

    ms: int


def written_moment(ms: int) -> WrittenMoment:
    """`rfc3339(ms)` that `rfc3339_ms` reads back without parsing: the text always has the shape and is a real
    date and time (it was written from one), so what it would parse to is `ms`."""
    text = WrittenMoment(rfc3339(ms))
    text.ms = int(ms)
    return text


def to_epoch_ms(value: Any) -> int:
    """Epoch milliseconds from an int/float (taken as ms), a datetime, or an RFC 3339 string with an offset.

    Sub-millisecond parts round toward minus infinity, in integer arithmetic (a float timestamp can land a hair
    below a whole millisecond and truncate to the one before)."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{value} has no time zone offset")
        return (value - _EPOCH) // _MS
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return rfc3339_ms(text)


def is_rfc3339(text: str) -> bool:
    """Whether `text` has the shape of an RFC 3339 date-time with its offset (the date may still not exist)."""
    return bool(_RFC3339.fullmatch(text.strip()))


def rfc3339_ms(text: str) -> int:
    """Epoch milliseconds of an RFC 3339 date-time with its offset; ValueError for any other text, or a date that does
    not exist. The one parser of moments as text: event and customer files, query parameters, the API."""
    if type(text) is WrittenMoment:
        return text.ms
    text = text.strip()
    if not _RFC3339.fullmatch(text):
        if _without_offset(text):
            raise ValueError(f"{text} has no time zone offset (write e.g. 2024-05-01T10:00:00Z)")
        raise ValueError(f"{text} is not an RFC 3339 date-time with an offset, e.g. 2024-05-01T10:00:00Z")
    parsed = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    try:  # its UTC day must be a date too (0001-01-01T00:00+01:00 is in year 0), so it can be written back
        parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{text} is not a real date and time (its UTC instant is before year 1)") from None
    return (parsed - _EPOCH) // _MS  # aware: to_epoch_ms's datetime case, without its type checks


def _without_offset(text: str) -> bool:
    """A date or local time that only lacks its offset (`2024-05-01`, `2024-05-01T10:00`): the message says so."""
    try:
        return datetime.fromisoformat(text).tzinfo is None
    except ValueError:
        return False
