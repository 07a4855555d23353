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
the file and line of a mistake.

The twin's own queries (not for analysts) live in `internal/NAME.cypher` and carry `// audience: internal`; the loader
requires the flag there and refuses it here, and `names()` lists them only when asked (`dtc cypher list --all`). They
may include shared fragments, `fragments/NAME.cypher`, with a line of its own:

    // include: refresh-refused
    // include: shows-persona-at(s=r, t=i.ts)

The fragment's text replaces the line, its declared `// arguments:` (identifiers in its text) replaced by the given
expressions; parameters are checked on the expanded text. Public queries run as-is in Neo4j Browser, so they cannot
include: where one needs a shared rule it writes the rule out and marks the copy with a trailing
`// rule: NAME(arg=expr, ...)` comment on the line the copy starts, and the loader checks that the copy is the
fragment's text word for word, so it cannot drift. This package imports only the standard library.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from cypher.files import (
    HERE,
    STRING_LITERAL,
    Fragment,
    Line,
    NamedQueryError,
    expanded,
    fragment,
    fragment_names,
    names_in,
    split,
    text_of,
)
from cypher.moments import DAY_MS, MOMENT_FORMATS, now_ms, to_epoch_ms

__all__ = ["DAY_MS", "HERE", "INTERNAL", "MOMENT_FORMATS", "Fragment", "NamedQuery", "NamedQueryError", "Param",
           "fragment", "fragment_names", "load", "load_all", "names", "now_ms", "to_epoch_ms"]
INTERNAL = "internal"  # the twin's own queries, beside the analysts'
TYPES = ("string", "int", "float", "bool", "datetime", "list", "map")
RETURN_TYPES = ("string", "int", "float", "bool", "datetime", "duration", "list", "map")
AUDIENCES = ("analyst", "internal")
_PARAM_LINE = re.compile(
    r"^//\s+(?P<name>[A-Za-z_]\w*)\s*:\s*(?P<type>\w+(?:\.\w+)?)(?:\s*=\s*(?P<default>\"[^\"]*\"|\S+))?\s*"
    r"(?P<doc>.*)$"
)
_RETURN_ENTRY = re.compile(r"^(?P<path>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*:\s*(?P<type>\w+)$")
_PARAM_USE = re.compile(r"\$([A-Za-z_]\w*)")
_REQUIRED = object()


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


def names(directory: Path = HERE, *, internal: bool = False) -> list[str]:
    """The names of the queries for analysts (with `internal`, the twin's own ones too), sorted."""
    found = names_in(directory)
    if internal:
        found += names_in(directory / INTERNAL)
    return sorted(found)


@cache
def load(name: str, directory: Path = HERE) -> NamedQuery:
    """The named query `name` (for analysts, or internal), validated, its fragments included."""
    public, internal = directory / f"{name}.cypher", directory / INTERNAL / f"{name}.cypher"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) or not (public.is_file() or internal.is_file()):
        raise NamedQueryError(
            f"No named query {name!r}; `dtc cypher list` shows the {len(names(directory))} there are."
        )
    if public.is_file() and internal.is_file():
        raise NamedQueryError(f"{internal}:1: {name} is defined twice, here and in {public}; rename one.")
    path = internal if internal.is_file() else public
    header, body = split(path)
    meta = _parse_header(path, header)
    params = meta["params"]
    is_internal = path == internal
    if is_internal and meta["audience"] != "internal":
        raise NamedQueryError(f"{path}:1: a query in {INTERNAL}/ is the twin's own: its header says "
                              "'// audience: internal'.")
    if not is_internal and meta["audience"] == "internal":
        raise NamedQueryError(f"{path}:1: an internal query belongs in {INTERNAL}/{path.name}, out of the analysts' "
                              "list.")
    lines = expanded(path, body, directory, is_internal)
    _check_params(path, lines, params)
    variants: dict[str, str] = {}
    for variant in path.parent.glob(f"{name}.*.cypher"):
        engine = variant.name.removeprefix(f"{name}.").removesuffix(".cypher")
        v_lines = expanded(variant, split(variant)[1], directory, is_internal)
        _check_params(variant, v_lines, params, require_all=False)
        variants[engine] = text_of(v_lines)
    return NamedQuery(name, meta["description"], params, meta["mode"], text_of(lines), path, variants, meta["returns"],
                      meta["audience"])


def load_all(directory: Path = HERE, *, internal: bool = False) -> list[NamedQuery]:
    return [load(n, directory) for n in names(directory, internal=internal)]


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
        elif text.startswith(("include:", "rule:")):
            raise NamedQueryError(f"{path}:{line_no}: the header ends at the first blank line; leave one before the "
                                  "query's first line.")
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


def _check_params(path: Path, lines: list[Line], params: tuple[Param, ...], require_all: bool = True) -> None:
    declared = {p.name for p in params}
    used: set[str] = set()
    for where, line in lines:
        code = STRING_LITERAL.sub("''", line).split("//", 1)[0]
        for m in _PARAM_USE.finditer(code):
            if m[1] not in declared:
                raise NamedQueryError(f"{where}: ${m[1]} is used but not declared under '// params:'.")
            used.add(m[1])
    if require_all:
        unused = [p.name for p in params if p.name not in used]
        if unused:
            raise NamedQueryError(f"{path}:1: parameter {', '.join(unused)} is declared but never used.")
