"""Why a row is refused: every reason starts with a stable code, so rejects files, POST /events answers and dead
letters can be counted and routed by scripts ("out_of_range: csat 9 is outside 1..5"). docs/ingest.md lists them."""

from __future__ import annotations

import json

REJECT_CODES: dict[str, str] = {
    "malformed_json": "the line is not JSON (or holds NaN or Infinity, which JSON does not have)",
    "invalid_utf8": "the line is not valid UTF-8",
    "too_deep": "arrays and objects nest deeper than 64 levels",
    "duplicate_key": "an object names the same key twice (JSON parsers disagree on which value wins)",
    "number_too_large": "a number longer than 4,300 digits, too large for a double, or an integer outside the "
                        "64-bit range the store holds",
    "invalid_character": "a field holds a NUL character, a U+0001 or a lone surrogate, which the store "
                         "cannot hold",
    "unterminated_quote": "a CSV quote still open at the end of the file, or a quoted field longer than any field "
                          "the contract allows",
    "malformed_csv": "the CSV row cannot be read, or has more cells than the header has columns",
    "truncated_file": "the (gzip) file ends in the middle: the rows before are ingested",
    "mapping_failed": "the --mapping file could not make an event of the row",
    "not_an_object": "the row is JSON but not an object",
    "missing_field": "a required field is missing or null",
    "no_identifier": "the identities hold no usable identifier and there is no customer_id",
    "invalid_type": "a field has the wrong JSON type",
    "invalid_value": "a field is not one of the allowed values or forms",
    "invalid_ts": "a timestamp is not an RFC 3339 date-time with an offset, or not a real date",
    "out_of_range": "a number is outside the contract's range (csat 1..5, ces 1..7, nps 0..10, sentiment -1..1)",
    "too_long": "an id is longer than 200 characters, a text longer than 10,000, an event hits more than 100 "
                "frictions, or attributes (an event's, a customer's) or a Segment group's traits are over 32,000 "
                "bytes of JSON",
    "future_ts": "more than 5 minutes ahead of the clock (with --reject-future)",
    "no_timestamp": "a Segment message in a file carries none of timestamp, originalTimestamp and receivedAt",
    "store_refused": "the store refused to write the row, alone (its batch was split to find it)",
    "apply_failed": "the worker failed to apply the stream entry, alone, with an unexpected error (a bug to report)",
}


def reject_reason(code: str, text: str) -> str:
    """A reason a row is refused, as every report writes it: its code (REJECT_CODES), then what to fix."""
    return f"{code}: {text}"


def malformed_json(error: json.JSONDecodeError) -> str:
    """The reason for a line or body that is not JSON at all."""
    return reject_reason("malformed_json", f"malformed JSON: {error.msg} at column {error.colno}")


def reject_code(reason: str) -> str:
    """The code a reason starts with (`reject_reason`)."""
    return reason.split(":", 1)[0]
