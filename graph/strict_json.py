"""JSON text as the twin reads it from the network and from event files: standard JSON, and nothing that could hurt
what handles it next.

Refused with MalformedJSONError (a reason a person can act on, and its reject code in `code`): nesting deeper than
MAX_DEPTH (`too_deep`), an integer longer than Python converts (4,300 digits) or a number too large for a double
(`number_too_large`), a lone surrogate (an escape such as \\ud800 without its pair: no UTF-8 text can hold it;
`invalid_character`), the non-standard NaN and Infinity (`malformed_json`), and an object naming a key twice
(`duplicate_key`: parsers disagree on which value wins, so a proxy that checks one and the twin that keeps another
would read two different events). Plain syntax errors stay json.JSONDecodeError, as from `json.loads`.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterator
from typing import Any

from graph.errors import InputError

MAX_DEPTH = 64  # arrays and objects within each other; events and GraphQL variables need fewer than ten
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_KEY_END = re.compile(r'"\s*:')  # every key ends so; inside a string only an escaped quote can, before a colon
# the escapes of JSON text that can decode to a surrogate, read left to right: an escaped backslash (so `\\ud800` is
# no escape), a high and low pair (one character), or a surrogate alone (the group: a lone surrogate once decoded)
_SURROGATE_ESCAPE = re.compile(r"\\\\|\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"
                               r"|(\\u[dD][0-9a-fA-F]{3})")


class MalformedJSONError(InputError):
    """JSON text the twin will not read; `code` is the reject code (ingest.reasons.REJECT_CODES)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def loads_strict(text: str | bytes, *, lone_surrogates: bool = False) -> Any:
    """The value of `text` (UTF-8 when bytes), or MalformedJSONError naming what is wrong with it. With
    `lone_surrogates`, strings holding one are returned as they are: the caller's validation names the field."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise MalformedJSONError("invalid_utf8", f"The body is not UTF-8 (byte {e.start}); send UTF-8 JSON.") \
                from None
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise MalformedJSONError("too_deep", f"The JSON nests deeper than {MAX_DEPTH} levels; send flatter data.") \
            from None
    except json.JSONDecodeError:
        raise
    except ValueError as e:  # int() past sys.get_int_max_str_digits()
        if "digits" not in str(e):
            raise MalformedJSONError("malformed_json", f"The JSON holds a value that cannot be read: {e}") from None
        raise MalformedJSONError("number_too_large", f"The JSON holds an integer longer than "
                                 f"{sys.get_int_max_str_digits():,} digits; send numbers of ordinary size.") from None
    # only a lone \u escape (or a text that holds a surrogate already) can make a lone surrogate, and only text with
    # that many brackets can nest that deep: most texts skip the walk over every string, many skip the walk at all
    if not lone_surrogates and _may_hold_lone_surrogate(text):
        _check(value, surrogates=True)
    elif text.count("[") + text.count("{") > MAX_DEPTH:
        _check_depth(value)
    repeated = _repeated_key(text, value)
    if repeated is not None:
        raise MalformedJSONError("duplicate_key", f"The JSON names the key {repeated[:100]!r} twice in one object; "
                                 "send each key once.")
    return value


def _repeated_key(text: str, value: Any) -> str | None:
    """A key some object of `text` names twice, or None. Each key of the text ends with a quote and a colon, and so
    can only an escaped quote within a string: when the text has as many of these as `value` has keys, no key was
    repeated (most texts stop there); else the text is read again, object by object, to name it."""
    keys = sum(len(item) for level in _levels(value) for item in level if type(item) is dict)
    if len(_KEY_END.findall(text)) == keys:
        return None
    repeated: list[str] = []

    def first_repeat(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in pairs if not repeated else ():
            if key in seen:
                repeated.append(key)
                break
            seen.add(key)
        return dict(pairs)

    json.loads(text, object_pairs_hook=first_repeat, parse_constant=_no_constant, parse_float=_finite)
    return repeated[0] if repeated else None


def _may_hold_lone_surrogate(text: str) -> bool:
    """False only when no string of `text` decodes to a lone surrogate (surrogate pairs are one character)."""
    if ("\\ud" in text or "\\uD" in text) and any(_SURROGATE_ESCAPE.findall(text)):
        return True
    return not text.isascii() and _LONE_SURROGATE.search(text) is not None


def _no_constant(name: str) -> Any:
    raise MalformedJSONError("malformed_json", f"The JSON holds {name}, which is not JSON; send a number or null.")


def _finite(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise MalformedJSONError("number_too_large", f"The JSON holds the number {literal[:40]}, too large for a "
                                 "double; send a smaller number.")
    return value


def _check(value: Any, surrogates: bool) -> None:
    """Depth and lone surrogates, without recursion (the value may be as deep as the decoder allowed)."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if surrogates:
                _text(item)
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise MalformedJSONError("too_deep", f"The JSON nests deeper than {MAX_DEPTH} levels; send flatter "
                                         "data.")
            if isinstance(item, dict):
                for key, inner in item.items():
                    if surrogates:
                        _text(key)
                    pending.append((inner, depth + 1))
            else:
                pending.extend((inner, depth + 1) for inner in item)


def _check_depth(value: Any) -> None:
    """Depth alone: only the arrays and objects are walked (`_levels`)."""
    for depth, _ in enumerate(_levels(value)):
        if depth >= MAX_DEPTH:
            raise MalformedJSONError("too_deep", f"The JSON nests deeper than {MAX_DEPTH} levels; send flatter data.")


def _levels(value: Any) -> Iterator[list[Any]]:
    """The arrays and objects of `value`, one nesting level at a time, each level made only when asked for: no
    recursion, and no tuple per object (a batch holds several times more strings and numbers, and a Segment batch
    four objects a message)."""
    level: list[Any] = [value] if type(value) is dict or type(value) is list else []
    while level:
        yield level
        level = [inner for item in level for inner in (item.values() if type(item) is dict else item)
                 if type(inner) is dict or type(inner) is list]


def _text(text: str) -> None:
    found = _LONE_SURROGATE.search(text)
    if found:
        raise MalformedJSONError("invalid_character", f"The JSON holds a lone surrogate (\\u{ord(found.group()):04x}), "
                                 "which no UTF-8 text can carry; send the character whole, or remove it.")
