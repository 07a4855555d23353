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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from graph.errors import InputError

STDIN = "-"
_GZIP_MAGIC = b"\x1f\x8b"


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
    if buffered.peek(2)[:2] == _GZIP_MAGIC:
        return gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[return-value]
    return buffered


def read_rows(path: str, *, start: int = 0, start_line: int = 1, fmt: str | None = None,
              csv_parse: Callable[[dict[str, str | None]], Any] | None = None) -> Iterator[SourceRow]:
    """Rows of `path` from byte offset `start` (which must be a row boundary a previous read reported).

    `csv_parse` turns a CSV row (column -> cell) into the object to validate; by default the row itself.
    """
    stream = open_binary(path)
    try:
        if fmt is None:
            peek = stream.peek(256)[:256] if hasattr(stream, "peek") else b""
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
    for raw in stream:
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
                            f"the line is not valid UTF-8 (byte {e.start + 1})", offset)
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as e:
            yield SourceRow(path, line_no, text, None, f"malformed JSON: {e.msg} at column {e.colno}", offset)
            continue
        yield SourceRow(path, line_no, text, obj, None, offset)


class _CountingLines:
    """Decoded lines of a binary stream, counting the bytes and lines handed out (csv pulls from it lazily)."""

    def __init__(self, stream: IO[bytes], offset: int, line_no: int) -> None:
        self.stream, self.offset, self.line_no = stream, offset, line_no
        self.current: list[str] = []

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self.stream.readline()
        if not raw:
            raise StopIteration
        self.offset += len(raw)
        self.line_no += 1
        if self.line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        text = raw.decode("utf-8", "replace")
        self.current.append(text)
        return text


def _csv(path: str, stream: IO[bytes], start: int, start_line: int,
         parse: Callable[[dict[str, str | None]], Any]) -> Iterator[SourceRow]:
    lines = _CountingLines(stream, 0, 0)
    header_reader = csv.reader(lines)
    try:
        header = next(header_reader)
    except StopIteration:
        return
    except csv.Error as e:
        raise InputError(f"{path}: the CSV header cannot be read: {e}") from e
    if start > lines.offset:
        _skip_to(stream, lines.offset, start)
        lines.offset, lines.line_no = start, start_line - 1
    reader = csv.reader(lines)
    while True:
        lines.current = []
        first_line = lines.line_no + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            text = "".join(lines.current).rstrip("\r\n")
            yield SourceRow(path, first_line, text, None, f"malformed CSV: {e}", lines.offset)
            continue
        text = "".join(lines.current).rstrip("\r\n")
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            yield SourceRow(path, first_line, text, None,
                            f"the row has {len(cells)} cells but the header has {len(header)} columns", lines.offset)
            continue
        row: dict[str, str | None] = {name: (cells[i] if i < len(cells) else None) for i, name in enumerate(header)}
        try:
            obj = parse(row)
        except InputError as e:
            yield SourceRow(path, first_line, text, None, str(e), lines.offset)
            continue
        yield SourceRow(path, first_line, text, obj, None, lines.offset)
