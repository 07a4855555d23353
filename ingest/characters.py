"""The characters the store cannot hold: a NUL (FalkorDB ends a query's text at one), a U+0001 (FalkorDB 4.x's
server crashes, SIGSEGV in EnforceUniqueEntity, writing one in a uniquely constrained property such as an event id:
found by tests/integration/test_ingest_property.py) and a lone surrogate (no UTF-8 text can carry one). Every other
character is stored as it is and reads back identical."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ingest.reasons import reject_reason

_BAD_CHARACTER = re.compile("[\x00\x01\ud800-\udfff]")
_MAX_CHARACTER_ERRORS = 10


def check_characters(obj: Mapping[Any, Any], errors: list[str]) -> None:
    """`invalid_character` for each field (at any depth, names included) whose text holds a character the store
    cannot hold (a NUL, a U+0001, a lone surrogate: see the module docstring). Every other character is stored as it
    is."""
    if _clean(obj):
        return
    pending: list[tuple[str, Any]] = [("", obj)]
    found = 0
    while pending and found < _MAX_CHARACTER_ERRORS:
        path, value = pending.pop()
        if isinstance(value, str):
            problem = _bad_character(value)
            if problem:
                errors.append(reject_reason("invalid_character", f"{path} holds {problem}"))
                found += 1
        elif isinstance(value, Mapping):
            for key, inner in value.items():
                name = str(key)
                problem = _bad_character(name)
                if problem:
                    where = f"the name {name!r} of a field" + (f" of {path}" if path else "")
                    errors.append(reject_reason("invalid_character", f"{where} holds {problem}"))
                    found += 1
                    name = repr(name)
                pending.append((f"{path}.{name}" if path else name, inner))
        elif isinstance(value, list | tuple):
            pending.extend((f"{path}[{n}]", inner) for n, inner in enumerate(value))


def _clean(obj: Mapping[Any, Any]) -> bool:
    """Whether no text in `obj` (names included) holds a character the store cannot hold. Every row pays this, so the
    texts are joined and scanned once, in C, and the top level (most rows have nothing deeper) takes no ABC checks;
    the walk that names the fields runs only when this is False."""
    texts: list[str] = [k if type(k) is str else str(k) for k in obj]
    pending: list[Any] = []
    for inner in obj.values():
        kind = type(inner)
        if kind is str:
            texts.append(inner)
        elif inner is not None and kind is not int and kind is not float and kind is not bool:
            pending.append(inner)
    while pending:
        value = pending.pop()
        if isinstance(value, Mapping):
            texts.extend(str(k) for k in value)
            value = value.values()
        elif not isinstance(value, list | tuple):
            continue
        for inner in value:
            if type(inner) is str:
                texts.append(inner)
            elif isinstance(inner, Mapping | list | tuple):
                pending.append(inner)
    text = "".join(texts)
    return _plain(text) or _BAD_CHARACTER.search(text) is None


def _plain(text: str) -> bool:
    """ASCII without NUL or U+0001: most texts, checked in C without the regex."""
    return text.isascii() and "\x00" not in text and "\x01" not in text


def _bad_character(text: str) -> str | None:
    """What is wrong with `text` for the store (which character, and where), or None (most texts: ASCII without NUL
    or U+0001, checked in C)."""
    if _plain(text):
        return None
    found = _BAD_CHARACTER.search(text)
    if found is None:
        return None
    at = found.start() + 1
    if found.group() == "\x00":
        return f"a NUL character (U+0000) at character {at}, which the store cannot hold; remove it"
    if found.group() == "\x01":
        return f"a start-of-heading character (U+0001) at character {at}, which the store cannot hold; remove it"
    return (f"a lone surrogate (U+{ord(found.group()):04X}) at character {at}, which no UTF-8 text can carry; send "
            "the character whole, or remove it")
