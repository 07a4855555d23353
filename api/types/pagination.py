"""Relay paging: opaque cursors (base64 of a typed sort key) and the page info every connection shares."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import strawberry

from api.errors import bad_input


@strawberry.type(description="Where a page sits in the whole list (Relay).")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="Items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item of the page; pass as `before`.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item of the page; pass as `after`.")


def encode_cursor(kind: str, key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([kind, key], separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None, argument: str) -> Any:
    """The sort key inside a cursor made by `encode_cursor(kind, …)`; a clear error for anything else."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        found_kind, key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error):
        raise bad_input(f"{argument}: {cursor!r} is not a cursor this API gave out; pass a cursor from a page's "
                        "edges or pageInfo unchanged.") from None
    if found_kind != kind:
        raise bad_input(f"{argument}: {cursor!r} is a cursor of another list; use a cursor from this list.")
    return key
