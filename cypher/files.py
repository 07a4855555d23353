"""Reading query and fragment files: header and body apart, fragments included, rule copies checked.

See the package docstring for the file format. A line of query text keeps the file and line it came from, so a
mistake inside an included fragment is reported where it is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
FRAGMENTS = "fragments"  # shared rules, one file each
STRING_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


class NamedQueryError(Exception):
    """A named query is unknown, malformed, or was given bad parameters (the message names file and line)."""


Line = tuple[str, str]  # a line of query text: where it is written ('file:line', and where it was included), its text


def split(path: Path) -> tuple[list[tuple[int, str]], list[Line]]:
    """(the header's numbered lines, the body's lines) of a query or fragment file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header: list[tuple[int, str]] = []
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    while i < len(lines) and lines[i].startswith("//"):  # the header ends at the first line that is not a comment
        header.append((i + 1, lines[i].rstrip()))
        i += 1
    body = [(f"{path}:{n + 1}", lines[n].rstrip()) for n in range(i, len(lines))]
    while body and not body[0][1].strip():
        body.pop(0)
    while body and not body[-1][1].strip():
        body.pop()
    if not body:
        raise NamedQueryError(f"{path}:{len(lines)}: the file has a header but no query.")
    return header, body


def text_of(lines: list[Line]) -> str:
    return "\n".join(text for _, text in lines).strip()


# -- fragments: shared rules, included by internal queries and copied (checked) by public ones ---------------------
_INCLUDE = re.compile(r"^(?P<indent>\s*)//\s*include:\s*(?P<call>.+?)\s*$")
_RULE = re.compile(r"//\s*rule:\s*(?P<call>.+?)\s*$")
_CALL = re.compile(r"^(?P<name>[a-z0-9][a-z0-9-]*)\s*(?:\((?P<args>.*)\))?$")
_MAX_DEPTH = 5


@dataclass(frozen=True)
class Fragment:
    name: str
    description: str
    arguments: tuple[str, ...]  # identifiers in the text that a caller replaces by expressions
    lines: tuple[Line, ...]

    def expand(self, given: Mapping[str, str], where: str) -> list[Line]:
        """The fragment's lines with its arguments replaced by the `given` expressions."""
        if set(given) != set(self.arguments):
            wanted = ", ".join(f"{a}=…" for a in self.arguments) or "no arguments"
            raise NamedQueryError(f"{where}: fragment {self.name} takes {wanted}, not "
                                  f"{', '.join(sorted(given)) or 'none'}.")
        if not given:
            return list(self.lines)
        # every argument at once, as a whole identifier (not a property name, not a $parameter)
        pattern = re.compile(rf"(?<![\w$.])({'|'.join(map(re.escape, given))})(?!\w)")
        return [(at, pattern.sub(lambda m: given[m[1]], text)) for at, text in self.lines]


@cache
def fragment(name: str, directory: Path = HERE) -> Fragment:
    """The shared fragment `fragments/NAME.cypher`."""
    path = directory / FRAGMENTS / f"{name}.cypher"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) or not path.is_file():
        known = ", ".join(names_in(directory / FRAGMENTS)) or "none"
        raise NamedQueryError(f"No fragment {name!r} in {directory / FRAGMENTS} (there are: {known}).")
    header, body = split(path)
    found_name: str | None = None
    arguments: tuple[str, ...] = ()
    description: list[str] = []
    for line_no, line in header:
        text = line[2:].strip()
        if text.startswith("fragment:"):
            found_name = text.removeprefix("fragment:").strip()
            if found_name != name:
                raise NamedQueryError(f"{path}:{line_no}: header says fragment {found_name!r} but the file is "
                                      f"{name!r}.")
        elif text.startswith("arguments:"):
            arguments = tuple(a.strip() for a in text.removeprefix("arguments:").split(",") if a.strip())
        elif text:
            description.append(text)
    if found_name is None:
        raise NamedQueryError(f"{path}:1: the header lacks '// fragment: {name}'.")
    if not description:
        raise NamedQueryError(f"{path}:1: the header lacks a description of the rule the fragment states.")
    return Fragment(name, " ".join(description), arguments, tuple(body))


def fragment_names(directory: Path = HERE) -> list[str]:
    return sorted(names_in(directory / FRAGMENTS))


def _call(text: str, where: str) -> tuple[str, dict[str, str]]:
    """`name(a=x, b=f(y, z))` -> ("name", {"a": "x", "b": "f(y, z)"})."""
    m = _CALL.match(text.strip())
    if not m:
        raise NamedQueryError(f"{where}: cannot read {text.strip()!r}; write 'NAME' or 'NAME(argument=expression, …)'.")
    given: dict[str, str] = {}
    depth, part, parts = 0, "", []
    for ch in m["args"] or "":
        if ch == "," and depth == 0:
            parts.append(part)
            part = ""
            continue
        depth += (ch in "([{") - (ch in ")]}")
        part += ch
    parts.append(part)
    for item in (p.strip() for p in parts if p.strip()):
        key, eq, value = item.partition("=")
        if not eq or not re.fullmatch(r"[A-Za-z_]\w*", key.strip()) or not value.strip():
            raise NamedQueryError(f"{where}: cannot read the argument {item!r}; write 'argument=expression'.")
        given[key.strip()] = value.strip()
    return m["name"], given


def expanded(path: Path, body: list[Line], directory: Path, may_include: bool, depth: int = 0) -> list[Line]:
    """The body with every `// include:` line replaced by its fragment; in a public query, the `// rule:` copies
    checked against their fragments instead."""
    out: list[Line] = []
    for n, (where, text) in enumerate(body):
        include = _INCLUDE.match(text)
        if include:
            if not may_include:
                raise NamedQueryError(f"{where}: a query for analysts runs as-is in Neo4j Browser and cannot include "
                                      "fragments; write the rule out and mark the copy '// rule: NAME(…)'.")
            if depth >= _MAX_DEPTH:
                raise NamedQueryError(f"{where}: fragments include each other more than {_MAX_DEPTH} deep (a cycle?).")
            name, given = _call(include["call"], where)
            text_lines = fragment(name, directory).expand(given, where)
            out += [(f"{at} (included at {where})", include["indent"] + t) for at, t in
                    expanded(path, text_lines, directory, True, depth + 1)]
            continue
        # the marker is found outside string literals (blanked to their length), its call read from the text as
        # written, so an argument may be a literal: `// rule: timeline-position-name(k='friction', v=f)`
        rule = _RULE.search(STRING_LITERAL.sub(lambda m: "'" + " " * (len(m[0]) - 2) + "'", text))
        if rule:
            _check_copy(body[n:], _call(text[rule.start("call"):rule.end("call")], where), directory, where)
        out.append((where, text))
    return out


def _check_copy(lines: list[Line], call: tuple[str, dict[str, str]], directory: Path, where: str) -> None:
    """The code from the marked line on starts, on that line, with the fragment's text (whitespace aside)."""
    name, given = call
    wanted = _code(fragment(name, directory).expand(given, where))
    first = _code(lines[:1])
    found = _code(lines)
    at = found.find(wanted)
    if at < 0 or at > len(first):
        raise NamedQueryError(f"{where}: the copy of rule {name} here is not its text in "
                              f"{directory / FRAGMENTS / (name + '.cypher')}; with these arguments it reads: "
                              f"{wanted}")


def _code(lines: list[Line] | tuple[Line, ...]) -> str:
    """The Cypher of these lines without comments, whitespace runs as one space."""
    code = " ".join(STRING_LITERAL.sub(lambda m: m[0].replace("//", "\0"), t).split("//", 1)[0].replace("\0", "//")
                    for _, t in lines)
    return " ".join(code.split())




def names_in(directory: Path) -> list[str]:
    """The names of the query (or fragment) files in `directory`, engine variants left out."""
    if not directory.is_dir():
        return []
    return [p.name.removesuffix(".cypher") for p in directory.glob("*.cypher") if p.name.count(".") == 1]
