"""The analysts' library of named Cypher queries: one query per `NAME.cypher` file with a documenting header.

    // name: customers-of-persona
    // Customers showing a persona at a moment, with the assignment's weight.
    // params:
    //   persona: string            persona code (required: no default)
    //   at: datetime = null        epoch ms or RFC 3339; null means now
    //   limit: int = 100
    // returns: customer: string, since: datetime, until: datetime
    // mode: read
    // audience: internal            (optional: hidden from `dtc cypher list`, for the twin's own jobs)
    MATCH ...

A parameter's type may name what it refers to, `persona: Persona.code`: a string that must be the key of an
existing node, so a typo is an error naming the closest codes rather than an empty answer. `returns:` declares the
types of result columns that plain values do not show (`datetime`: epoch ms shown as a date; `duration`: ms shown
as days/hours); a nested field is named by its path (`journeys.interactions.at: datetime`), and more entries may
follow on indented lines. The header ends at the first blank line.

A file `NAME.falkordb.cypher` beside it replaces the text on FalkorDB (same params and mode; the header needs
only `// name:`). `load()` checks that every `$param` used is declared and every declared one is used, and reports
the file and line of a mistake. This package imports only the standard library.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TYPES = ("string", "int", "float", "bool", "datetime", "list", "map")
RETURN_TYPES = ("string", "int", "float", "bool", "datetime", "duration", "list", "map")
AUDIENCES = ("analyst", "internal")
MOMENT_FORMATS = ("epoch milliseconds (e.g. 1714557600000) or an RFC 3339 time with its offset "
                  "(e.g. 2024-05-01T10:00:00Z or 2024-05-01T12:00:00+02:00)")
_PARAM_LINE = re.compile(
    r"^//\s+(?P<name>[A-Za-z_]\w*)\s*:\s*(?P<type>\w+(?:\.\w+)?)(?:\s*=\s*(?P<default>\"[^\"]*\"|\S+))?\s*"
    r"(?P<doc>.*)$"
)
_RETURN_ENTRY = re.compile(r"^(?P<path>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*:\s*(?P<type>\w+)$")
_PARAM_USE = re.compile(r"\$([A-Za-z_]\w*)")
_STRING_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_REQUIRED = object()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class NamedQueryError(Exception):
    """A named query is unknown, malformed, or was given bad parameters (the message names file and line)."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any  # _REQUIRED when the caller must give it
    doc: str
    refers_to: tuple[str, str] | None = None  # (label, key property) of the node a code names, e.g. Persona.code

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED

    def coerce(self, value: Any) -> Any:
        """Turn a value (a string from the command line, or a typed value from code) into the declared type."""
        if value is None:
            return None
        try:
            if self.type == "string":
                return str(value)
            if self.type == "int":
                return int(value)
            if self.type == "float":
                return float(value)
            if self.type == "bool":
                if isinstance(value, str):
                    if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                        raise ValueError(value)
                    return value.lower() in ("true", "1", "yes")
                return bool(value)
            if self.type == "datetime":
                return to_epoch_ms(value)
            if self.type == "list":
                if isinstance(value, str):
                    return json.loads(value) if value.startswith("[") else [v for v in value.split(",") if v]
                return list(value)
            if self.type == "map":
                found = json.loads(value) if isinstance(value, str) else dict(value)
                if not isinstance(found, dict):
                    raise ValueError(value)
                return found
        except (ValueError, TypeError) as e:
            if self.type == "datetime":
                raise NamedQueryError(f"Parameter {self.name}={value!r} is not a valid datetime: give "
                                      f"{MOMENT_FORMATS}.") from e
            raise NamedQueryError(f"Parameter {self.name}={value!r} is not a valid {self.type}.") from e
        raise NamedQueryError(f"Parameter {self.name} has unknown type {self.type}.")


@dataclass(frozen=True)
class NamedQuery:
    name: str
    description: str
    params: tuple[Param, ...]
    mode: str  # "read" or "write"
    text: str
    path: Path
    variants: Mapping[str, str]  # engine -> text
    returns: Mapping[str, str] = field(default_factory=dict)  # column path ("journeys.at") -> type
    audience: str = "analyst"  # "internal": the twin's own jobs use it; `dtc cypher list` leaves it out

    def text_for(self, engine: str) -> str:
        return self.variants.get(engine, self.text)

    def bind(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Parameters for a run: declared defaults filled in, values coerced, unknown or missing ones refused."""
        declared = {p.name: p for p in self.params}
        unknown = sorted(set(given) - set(declared))
        if unknown:
            raise NamedQueryError(
                f"{self.name} has no parameter {', '.join(unknown)}; it takes {', '.join(declared) or 'none'}."
            )
        bound: dict[str, Any] = {}
        for p in self.params:
            if p.name in given:
                bound[p.name] = p.coerce(given[p.name])
            elif p.required:
                raise NamedQueryError(f"{self.name} needs --param {p.name}=… ({p.type}). {p.doc}".strip())
            else:
                bound[p.name] = p.default
        return bound


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
        return (value - _EPOCH) // timedelta(milliseconds=1)
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{text} has no time zone offset (write e.g. 2024-05-01T10:00:00Z)")
    return to_epoch_ms(parsed)


def names(directory: Path = HERE) -> list[str]:
    """The names of every query in the library, sorted."""
    return sorted(p.name.removesuffix(".cypher") for p in directory.glob("*.cypher") if p.name.count(".") == 1)


@cache
def load(name: str, directory: Path = HERE) -> NamedQuery:
    """The named query `name`, validated."""
    path = directory / f"{name}.cypher"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) or not path.is_file():
        raise NamedQueryError(
            f"No named query {name!r}; `dtc cypher list` shows the {len(names(directory))} there are."
        )
    header, body, body_line = _split(path)
    meta = _parse_header(path, header)
    params = meta["params"]
    _check_params(path, body, body_line, params)
    variants: dict[str, str] = {}
    for variant in directory.glob(f"{name}.*.cypher"):
        engine = variant.name.removeprefix(f"{name}.").removesuffix(".cypher")
        _, v_body, v_line = _split(variant)
        _check_params(variant, v_body, v_line, params, require_all=False)
        variants[engine] = v_body
    return NamedQuery(name, meta["description"], params, meta["mode"], body, path, variants, meta["returns"],
                      meta["audience"])


def load_all(directory: Path = HERE) -> list[NamedQuery]:
    return [load(n, directory) for n in names(directory)]


def _split(path: Path) -> tuple[list[tuple[int, str]], str, int]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header: list[tuple[int, str]] = []
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    while i < len(lines) and lines[i].startswith("//"):  # the header ends at the first line that is not a comment
        header.append((i + 1, lines[i].rstrip()))
        i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    body = "\n".join(lines[i:]).strip()
    if not body:
        raise NamedQueryError(f"{path}:{len(lines)}: the file has a header but no query.")
    return header, body, i + 1


def _parse_header(path: Path, header: list[tuple[int, str]]) -> dict[str, Any]:
    name = path.name.removesuffix(".cypher")
    found_name = mode = None
    audience = AUDIENCES[0]
    description: list[str] = []
    params: list[Param] = []
    returns: dict[str, str] = {}
    section = ""  # "params" or "returns" while their indented lines follow
    for line_no, line in header:
        text = line[2:].strip()
        indented = line.startswith("//  ") and bool(text)
        if section == "params" and indented:
            params.append(_parse_param(path, line_no, line))
            continue
        if section == "returns" and indented:
            returns.update(_parse_returns(path, line_no, text))
            continue
        after, section = section, ""
        if text.startswith("name:"):
            found_name = text.removeprefix("name:").strip()
            if found_name != name:
                raise NamedQueryError(f"{path}:{line_no}: header says name {found_name!r} but the file is {name!r}.")
        elif text.startswith("mode:"):
            mode = text.removeprefix("mode:").strip()
            if mode not in ("read", "write"):
                raise NamedQueryError(f"{path}:{line_no}: mode must be read or write, not {mode!r}.")
        elif text.startswith("audience:"):
            audience = text.removeprefix("audience:").strip()
            if audience not in AUDIENCES:
                raise NamedQueryError(f"{path}:{line_no}: audience must be one of {', '.join(AUDIENCES)}, "
                                      f"not {audience!r}.")
        elif text.startswith("params:"):
            section = "params"
            if text.removeprefix("params:").strip() not in ("", "none"):
                raise NamedQueryError(f"{path}:{line_no}: list params one per line below '// params:'.")
        elif text.startswith("returns:"):
            section = "returns"
            returns.update(_parse_returns(path, line_no, text.removeprefix("returns:")))
        elif text and after == "params":
            raise NamedQueryError(f"{path}:{line_no}: a parameter line is indented: '//   name: type = default  doc'.")
        elif text:
            description.append(text)
    if found_name is None:
        raise NamedQueryError(f"{path}:1: the header lacks '// name: {name}'.")
    if mode is None:
        raise NamedQueryError(f"{path}:1: the header lacks '// mode: read' or '// mode: write'.")
    if not description:
        raise NamedQueryError(f"{path}:1: the header lacks a description of what the query answers.")
    return {"description": " ".join(description), "params": tuple(params), "mode": mode, "returns": returns,
            "audience": audience}


def _parse_returns(path: Path, line_no: int, text: str) -> dict[str, str]:
    """`at: datetime, journeys.startedAt: datetime` -> {"at": "datetime", "journeys.startedAt": "datetime"}."""
    found: dict[str, str] = {}
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        m = _RETURN_ENTRY.match(entry)
        if not m:
            raise NamedQueryError(f"{path}:{line_no}: cannot read return column {entry!r}; write 'column: type' "
                                  f"(e.g. 'at: datetime').")
        if m["type"] not in RETURN_TYPES:
            raise NamedQueryError(f"{path}:{line_no}: return type {m['type']!r} is not one of "
                                  f"{', '.join(RETURN_TYPES)}.")
        found[m["path"]] = m["type"]
    return found


def _parse_param(path: Path, line_no: int, line: str) -> Param:
    m = _PARAM_LINE.match(line)
    if not m:
        raise NamedQueryError(f"{path}:{line_no}: cannot read parameter line {line!r}.")
    type_ = m["type"]
    refers_to: tuple[str, str] | None = None
    if "." in type_:  # Label.key: a string naming an existing node
        label, key = type_.split(".")
        refers_to, type_ = (label, key), "string"
        if not label[:1].isupper():
            raise NamedQueryError(f"{path}:{line_no}: {m['type']!r} should name a node label and its key, like "
                                  f"'Persona.code'.")
    if type_ not in TYPES:
        raise NamedQueryError(f"{path}:{line_no}: parameter type {type_!r} is not one of {', '.join(TYPES)} "
                              f"(or Label.key for a code).")
    default: Any = _REQUIRED
    if m["default"] is not None:
        try:
            default = json.loads(m["default"])
        except json.JSONDecodeError:
            raise NamedQueryError(f"{path}:{line_no}: default {m['default']!r} is not a JSON literal.") from None
        if default is not None:
            param = Param(m["name"], type_, None, "")
            try:
                default = param.coerce(default)
            except NamedQueryError as e:
                raise NamedQueryError(f"{path}:{line_no}: {e}") from None
    return Param(m["name"], type_, default, m["doc"].strip().lstrip("-").strip(), refers_to)


def _check_params(path: Path, body: str, first_line: int, params: tuple[Param, ...], require_all: bool = True) -> None:
    declared = {p.name for p in params}
    used: set[str] = set()
    for offset, line in enumerate(body.splitlines()):
        code = _STRING_LITERAL.sub("''", line).split("//", 1)[0]
        for m in _PARAM_USE.finditer(code):
            if m[1] not in declared:
                raise NamedQueryError(
                    f"{path}:{first_line + offset}: ${m[1]} is used but not declared under '// params:'."
                )
            used.add(m[1])
    if require_all:
        unused = [p.name for p in params if p.name not in used]
        if unused:
            raise NamedQueryError(f"{path}:1: parameter {', '.join(unused)} is declared but never used.")
