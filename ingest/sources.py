"""Streaming readers for input files: JSONL and CSV, plain or gzip, or `-` for stdin.

Rows come one at a time with the line they start on, their original text (for the rejects file) and the byte offset
just after them (for checkpoints), so memory stays flat whatever the file size and a killed job resumes where its
last committed batch ended. Offsets count bytes of the decompressed stream.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from graph.errors import InputError
from graph.strict_json import MalformedJSONError, loads_strict
from ingest.contracts import MAX_TEXT
from ingest.reasons import malformed_json, reject_reason

STDIN = "-"
LONGEST_FIELD = MAX_TEXT  # the longest value the event contract allows (text): a quoted field past it never closes
_GZIP_MAGIC, _DEFLATE, _GZIP_HEADER = b"\x1f\x8b", 8, 10  # RFC 1952: magic, method, and a header of 10 bytes


@dataclass(slots=True)
class SourceRow:
    """One row of an input file: parsed `obj`, or `error` when it could not be parsed at all. Treat it as read-only
    (not frozen: a frozen dataclass is slower to build, and one is built per row)."""

    source: str
    line: int
    text: str
    obj: Any
    error: str | None
    end: int


def detect_format(path: str, head: bytes = b"") -> str:
    """'jsonl' or 'csv' from the file name (.jsonl/.ndjson/.json/.csv, optionally .gz), else from the content."""
    name = Path(path).name.lower().removesuffix(".gz")
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".tsv")):
        return "csv"
    first = head.lstrip()[:1]
    return "jsonl" if first in (b"{", b"[") else "csv"


def open_binary(path: str) -> IO[bytes]:
    """The file's bytes, decompressed when it is gzip (by content, not by name); `-` is stdin."""
    if path == STDIN:
        raw: IO[bytes] = sys.stdin.buffer
    else:
        try:
            raw = open(path, "rb")  # noqa: SIM115 - the caller closes the returned stream
        except OSError as e:
            raise InputError(f"Cannot read {path}: {e.strerror}; check the path.") from e
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[type-var]
    if _is_gzip(buffered.peek(_GZIP_HEADER)[:_GZIP_HEADER]):
        return gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[return-value]
    return buffered


def _is_gzip(head: bytes) -> bool:
    """Whether a file starting with `head` is gzip: its magic, then deflate, in a whole header. A text file whose
    first line happens to start with the magic bytes is text (and that line a reject), not a broken gzip that hides
    every line after it."""
    return len(head) >= _GZIP_HEADER and head[:2] == _GZIP_MAGIC and head[2] == _DEFLATE


def read_rows(path: str, *, start: int = 0, start_line: int = 1, fmt: str | None = None,
              csv_parse: Callable[[dict[str, str | None]], Any] | None = None) -> Iterator[SourceRow]:
    """Rows of `path` from byte offset `start` (which must be a row boundary a previous read reported).

    `csv_parse` turns a CSV row (column -> cell) into the object to validate; by default the row itself.
    """
    stream = open_binary(path)
    try:
        if fmt is None:
            try:
                peek = stream.peek(256)[:256] if hasattr(stream, "peek") else b""
            except _BROKEN as e:  # a gzip that breaks off in its header: not one line can be read
                yield _truncated(path, start_line, start, e)
                return
            fmt = detect_format(path, peek)
        if fmt == "jsonl":
            yield from _jsonl(path, stream, start, start_line)
        elif fmt == "csv":
            yield from _csv(path, stream, start, start_line, csv_parse or (lambda r: r))
        else:
            raise InputError(f"Unknown input format {fmt!r} for {path}; use jsonl or csv.")
    finally:
        if path != STDIN:
            stream.close()


def _skip_to(stream: IO[bytes], position: int, offset: int) -> None:
    """Move the stream from `position` to `offset` (stdin cannot seek: read and drop)."""
    if offset <= position:
        return
    if stream.seekable():
        stream.seek(offset)
        return
    left = offset - position
    while left:
        chunk = stream.read(min(left, 1 << 20))
        if not chunk:
            break
        left -= len(chunk)


def _jsonl(path: str, stream: IO[bytes], start: int, start_line: int) -> Iterator[SourceRow]:
    _skip_to(stream, 0, start)
    offset, line_no = start, start_line - 1
    lines = iter(stream)
    while True:
        try:
            raw = next(lines)
        except StopIteration:
            return
        except _BROKEN as e:  # a truncated or corrupt gzip: what came before it is in, the rest is named
            yield _truncated(path, line_no + 1, offset, e)
            return
        line_no += 1
        offset += len(raw)
        if line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        stripped = raw.rstrip(b"\r\n")  # the original text, as it was, for the rejects file
        if not stripped or stripped.isspace():
            continue
        try:
            text = stripped.decode("utf-8")
        except UnicodeDecodeError as e:
            yield SourceRow(path, line_no, stripped.decode("utf-8", "replace"), None,
                            reject_reason("invalid_utf8", f"the line is not valid UTF-8 (byte {e.start + 1})"), offset)
            continue
        try:  # the JSON the twin reads everywhere; validation names a field that holds a lone surrogate
            obj = loads_strict(text, lone_surrogates=True)
        except json.JSONDecodeError as e:
            yield SourceRow(path, line_no, text, None, malformed_json(e), offset)
            continue
        except MalformedJSONError as e:
            yield SourceRow(path, line_no, text, None, reject_reason(e.code, str(e)), offset)
            continue
        yield SourceRow(path, line_no, text, obj, None, offset)


_BROKEN = (EOFError, zlib.error, gzip.BadGzipFile)  # what reading a truncated or corrupt gzip stream raises


def _truncated(path: str, line: int, offset: int, error: BaseException) -> SourceRow:
    return SourceRow(path, line, "", None, reject_reason(
        "truncated_file", f"the file breaks off at line {line} ({error}): the lines before it were read, the rest "
        "is missing; send the whole file again (rows already in are applied once)"), offset)


class _OpenQuote(Exception):
    """A quoted CSV field ran past the longest value the contract allows: its quote was never meant to stay open."""


class _Lines:
    """Decoded lines of a binary stream for the csv parser, counting the bytes and lines handed out. The lines of the
    record being read are kept (`record`), so a record whose quote never closes can be cut back to its first line and
    the lines after it read again (`reread_after_first`)."""

    def __init__(self, stream: IO[bytes], offset: int, line_no: int) -> None:
        self.stream, self.offset, self.line_no = stream, offset, line_no
        self.record: list[tuple[str, int, bool]] = []  # (text, bytes, valid UTF-8) of the record's lines so far
        self.again: deque[tuple[str, int, bool]] = deque()  # lines handed back, read before the stream's next ones
        self.quoted_chars = 0  # characters of the record's lines after its first: all inside an open quote
        self.ended_open = False  # the stream ended while a record's quote was open
        self.broken: BaseException | None = None  # the stream broke off (a truncated gzip)

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self.record:  # csv asks for another line within a record only while a quoted field is open
            self.quoted_chars += len(self.record[-1][0]) if len(self.record) > 1 else 0
            if self.quoted_chars > LONGEST_FIELD:
                raise _OpenQuote()
        line = self.again.popleft() if self.again else self._read()
        if line is None:
            self.ended_open = bool(self.record)
            raise StopIteration
        self.offset += line[1]
        self.line_no += 1
        self.record.append(line)
        return line[0]

    def _read(self) -> tuple[str, int, bool] | None:
        if self.broken is not None:
            return None
        try:
            raw = self.stream.readline()
        except _BROKEN as e:
            self.broken = e
            return None
        if not raw:
            return None
        size = len(raw)
        if self.line_no == 0 and not self.record and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            return raw.decode("utf-8"), size, True
        except UnicodeDecodeError:
            return raw.decode("utf-8", "replace"), size, False

    def start_record(self) -> None:
        self.record, self.quoted_chars, self.ended_open = [], 0, False

    def text(self) -> str:
        return "".join(line[0] for line in self.record).rstrip("\r\n")

    def reread_after_first(self) -> None:
        """Keep only the record's first line; the lines after it are read again, as the start of the next record."""
        rest = self.record[1:]
        self.again.extendleft(reversed(rest))
        self.offset -= sum(line[1] for line in rest)
        self.line_no -= len(rest)
        self.record = self.record[:1]


def _csv(path: str, stream: IO[bytes], start: int, start_line: int,
         parse: Callable[[dict[str, str | None]], Any]) -> Iterator[SourceRow]:
    """Rows of a CSV file. Quoted fields may span lines (strict quoting: a quote closes only before a comma or the end
    of a line). A record whose quote is still open at the end of the file, runs past the longest field the contract
    allows, or spans lines and comes out malformed is rejected at its first line (`unterminated_quote`), and parsing
    resumes at the line after it: a stray quote costs its own row, never the rows behind it."""
    lines = _Lines(stream, 0, 0)
    try:
        header = next(csv.reader(lines, strict=True))
    except StopIteration:
        return
    except (csv.Error, _OpenQuote) as e:
        raise InputError(f"{path}: the CSV header cannot be read: {e}") from e
    seen: set[str] = set()
    for name in header:
        if name in seen:  # each row would keep one of the two cells, silently
            raise InputError(f"{path}: the CSV header names the column {name[:100]!r} twice; rename or drop one")
        seen.add(name)
    if start > lines.offset:
        _skip_to(stream, lines.offset, start)
        lines.offset, lines.line_no = start, start_line - 1
    reader = csv.reader(lines, strict=True)
    while True:
        lines.start_record()
        first_line = lines.line_no + 1
        error: str | None = None
        try:
            cells = next(reader)
        except StopIteration:
            break
        except _OpenQuote:
            error = f"is still open after {LONGEST_FIELD:,} characters, longer than any value the contract allows"
        except csv.Error as e:
            error = f"malformed CSV: {e}"
        else:
            if len(cells) > len(header):
                error = f"the row has {len(cells)} cells but the header has {len(header)} columns"
        if lines.ended_open:
            if lines.broken is not None:  # the file broke off inside this record: it is the record that is cut
                lines.reread_after_first()
                yield _truncated(path, first_line, lines.offset, lines.broken)
                return
            error = "is still open at the end of the file"
        if error is not None and (len(lines.record) > 1 or lines.ended_open):
            lines.reread_after_first()
            reader = csv.reader(lines, strict=True)  # a fresh parser: the old one stopped inside the quote
            if not error.startswith("is still"):
                error = f"spans lines and is malformed ({error})"
            yield SourceRow(path, first_line, lines.text(), None, reject_reason(
                "unterminated_quote", f"the quote opened on line {first_line} {error}; close it (a quote inside a "
                "quoted field is written twice: \"\"). The lines after it are read as rows again"), lines.offset)
            continue
        text = lines.text()
        if error is not None:
            yield SourceRow(path, first_line, text, None, reject_reason("malformed_csv", error), lines.offset)
            continue
        if not all(line[2] for line in lines.record):
            yield SourceRow(path, first_line, text, None,
                            reject_reason("invalid_utf8", "the row is not valid UTF-8"), lines.offset)
            continue
        if not cells or all(not c.strip() for c in cells):
            continue
        row: dict[str, str | None] = {name: (cells[i] if i < len(cells) else None) for i, name in enumerate(header)}
        try:
            obj = parse(row)
        except InputError as e:
            yield SourceRow(path, first_line, text, None, reject_reason("mapping_failed", str(e)), lines.offset)
            continue
        yield SourceRow(path, first_line, text, obj, None, lines.offset)
    if lines.broken is not None:
        yield _truncated(path, lines.line_no + 1, lines.offset, lines.broken)
