"""The analysts' library of named Cypher queries: one query per `NAME.cypher` file with a documenting header.

    // name: customers-of-persona
    // Customers showing a persona at a moment, with the assignment's weight.
    // params:
    //   persona: string            persona code (required: no default)
    //   at: datetime = null        epoch ms or RFC 3339; null means now
    //   limit: int = 100
    // mode: read
    MATCH ...

A file `NAME.falkordb.cypher` beside it replaces the text on FalkorDB (same params and mode; the header needs
only `// name:`). `load()` checks that every `$param` used is declared and every declared one is used, and reports
the file and line of a mistake. This package imports only the standard library.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TYPES = ("string", "int", "float", "bool", "datetime", "list")
_PARAM_LINE = re.compile(
    r"^//\s+(?P<name>[A-Za-z_]\w*)\s*:\s*(?P<type>\w+)(?:\s*=\s*(?P<default>\"[^\"]*\"|\S+))?\s*(?P<doc>.*)$"
)
_PARAM_USE = re.compile(r"\$([A-Za-z_]\w*)")
_STRING_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_REQUIRED = object()


class NamedQueryError(Exception):
    """A named query is unknown, malformed, or was given bad parameters (the message names file and line)."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any  # _REQUIRED when the caller must give it
    doc: str

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
        except (ValueError, TypeError) as e:
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
    """Epoch milliseconds from an int/float (taken as ms), a datetime, or an RFC 3339 string with an offset."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{value} has no time zone offset")
        return int(value.timestamp() * 1000)
    text = str(value).strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{text} has no time zone offset (write e.g. 2024-05-01T10:00:00Z)")
    return int(parsed.timestamp() * 1000)


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
    return NamedQuery(name, meta["description"], params, meta["mode"], body, path, variants)


def load_all(directory: Path = HERE) -> list[NamedQuery]:
    return [load(n, directory) for n in names(directory)]


def _split(path: Path) -> tuple[list[tuple[int, str]], str, int]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header: list[tuple[int, str]] = []
    i = 0
    while i < len(lines) and (lines[i].startswith("//") or not lines[i].strip()):
        if lines[i].startswith("//"):
            header.append((i + 1, lines[i].rstrip()))
        i += 1
    body = "\n".join(lines[i:]).strip()
    if not body:
        raise NamedQueryError(f"{path}:{len(lines)}: the file has a header but no query.")
    return header, body, i + 1


def _parse_header(path: Path, header: list[tuple[int, str]]) -> dict[str, Any]:
    name = path.name.removesuffix(".cypher")
    found_name = mode = None
    description: list[str] = []
    params: list[Param] = []
    in_params = False
    for line_no, line in header:
        text = line[2:].strip()
        if text.startswith("name:"):
            found_name = text.removeprefix("name:").strip()
            if found_name != name:
                raise NamedQueryError(f"{path}:{line_no}: header says name {found_name!r} but the file is {name!r}.")
            in_params = False
        elif text.startswith("mode:"):
            mode = text.removeprefix("mode:").strip()
            if mode not in ("read", "write"):
                raise NamedQueryError(f"{path}:{line_no}: mode must be read or write, not {mode!r}.")
            in_params = False
        elif text.startswith("params:"):
            in_params = True
            if text.removeprefix("params:").strip() not in ("", "none"):
                raise NamedQueryError(f"{path}:{line_no}: list params one per line below '// params:'.")
        elif in_params and line.startswith("//  ") and text:
            params.append(_parse_param(path, line_no, line))
        elif in_params and text:
            raise NamedQueryError(f"{path}:{line_no}: a parameter line is indented: '//   name: type = default  doc'.")
        else:
            in_params = False
            if text:
                description.append(text)
    if found_name is None:
        raise NamedQueryError(f"{path}:1: the header lacks '// name: {name}'.")
    if mode is None:
        raise NamedQueryError(f"{path}:1: the header lacks '// mode: read' or '// mode: write'.")
    if not description:
        raise NamedQueryError(f"{path}:1: the header lacks a description of what the query answers.")
    return {"description": " ".join(description), "params": tuple(params), "mode": mode}


def _parse_param(path: Path, line_no: int, line: str) -> Param:
    m = _PARAM_LINE.match(line)
    if not m:
        raise NamedQueryError(f"{path}:{line_no}: cannot read parameter line {line!r}.")
    type_ = m["type"]
    if type_ not in TYPES:
        raise NamedQueryError(f"{path}:{line_no}: parameter type {type_!r} is not one of {', '.join(TYPES)}.")
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
    return Param(m["name"], type_, default, m["doc"].strip().lstrip("-").strip())


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
