"""How `dtc` prints rows: a table for people, `--json` exact, `--csv` for spreadsheets.

The table rounds numbers, shows the columns a named query declares as `datetime` (epoch ms) as UTC dates and
`duration` (ms) as days and hours, lays nested values out one entry per line, and wraps a long cell instead of
cutting it, so nothing is ever silently lost:

    friction         exposed  switched  rate   competitors
    ---------------  -------  --------  -----  ---------------------------
    colour_mismatch      195       130  0.667  - competitor: glamco, count: 118
                                               - competitor: budgetbeauty, count: 12

JSON keeps every value as the store returned it. CSV keeps numbers exact, writes declared datetimes as ISO 8601
(UTC, milliseconds) and nested values as JSON text.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from cypher.moments import from_epoch_ms, rfc3339

TABLE, JSON, CSV = "table", "json", "csv"
MAX_COLUMN_WIDTH = 60  # wider cells wrap onto more lines
MIN_COLUMN_WIDTH = 12  # when the table is squeezed to fit a terminal
PAGE_WIDTH = 160  # without a terminal: a table wider than this, with nested values, prints one record at a time
NO_ROWS = "(no rows)"

Row = Mapping[str, Any]
Returns = Mapping[str, str]  # column path ("journeys.interactions.at") -> declared type


def print_rows(rows: Sequence[Row], output: str = TABLE, returns: Returns | None = None,
               out: TextIO | None = None) -> None:
    """Print `rows` as a table, JSON or CSV; `returns` are the declared column types of a named query."""
    out = out or sys.stdout
    if output == JSON:
        print(json.dumps(list(rows), indent=2, default=str, ensure_ascii=False), file=out)
    elif output == CSV:
        write_csv(rows, returns or {}, out)
    else:
        width = shutil.get_terminal_size().columns if out.isatty() else None
        print(render_table(rows, returns or {}, width), file=out)


# -- the table ------------------------------------------------------------------------------------------------------
def render_table(rows: Sequence[Row], returns: Returns, terminal_width: int | None = None) -> str:
    """Columns side by side; when they cannot fit and some hold nested values, one record after another."""
    if not rows:
        return NO_ROWS
    columns = _columns(rows)
    cells = [[layout(row.get(c), c, returns) for c in columns] for row in rows]
    widths = [min(MAX_COLUMN_WIDTH, max(len(c), *(len(line) for row in cells for line in row[i])))
              for i, c in enumerate(columns)]
    page = terminal_width or PAGE_WIDTH
    nested = any(len(cell) > 1 for row in cells for cell in row)
    if nested and sum(widths) + 2 * (len(widths) - 1) > page:
        return _records(columns, cells, page)
    if terminal_width:
        widths = _fit(widths, terminal_width)
    numeric = [all(_is_number(row.get(c)) for row in rows if row.get(c) is not None) and returns.get(c) is None
               for c in columns]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for row in cells:
        wrapped = [_wrap(cell, w) for cell, w in zip(row, widths, strict=True)]
        for n in range(max(len(w) for w in wrapped)):
            parts = []
            for cell_lines, w, right in zip(wrapped, widths, numeric, strict=True):
                text = cell_lines[n] if n < len(cell_lines) else ""
                parts.append(text.rjust(w) if right else text.ljust(w))
            lines.append("  ".join(parts).rstrip())
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def _records(columns: list[str], cells: list[list[list[str]]], page: int) -> str:
    """psql's expanded display: a `-[ row N ]-` rule, then one `column  value` line (or more) per column."""
    key_width = max(len(c) for c in columns)
    value_width = max(40, page - key_width - 2)
    lines: list[str] = []
    for n, row in enumerate(cells, start=1):
        lines.append(f"-[ row {n} ]".ljust(min(page, key_width + 2 + value_width), "-"))
        for column, cell in zip(columns, row, strict=True):
            for k, line in enumerate(_wrap(cell, value_width)):
                lines.append(f"{column if k == 0 else '':<{key_width}}  {line}".rstrip())
    lines.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(lines)


def layout(value: Any, path: str, returns: Returns) -> list[str]:
    """The lines that show one value: scalars on one line, lists one entry per line, maps as `key: value` (a
    nested map leaves out its empty entries)."""
    if isinstance(value, Mapping):
        value = {k: v for k, v in value.items() if v is not None and v != []}
        if all(_is_flat(v) for v in value.values()):
            return [", ".join(f"{k}: {_flat(v, f'{path}.{k}', returns)}" for k, v in value.items())]
        lines: list[str] = []
        for k, v in value.items():
            if _is_flat(v):
                lines.append(f"{k}: {_flat(v, f'{path}.{k}', returns)}")
            else:
                lines.append(f"{k}:")
                lines.extend("  " + line for line in layout(v, f"{path}.{k}", returns))
        return lines
    if isinstance(value, list | tuple):
        if all(not isinstance(v, Mapping | list | tuple) for v in value):
            return [_flat(value, path, returns)]
        lines = []
        for item in value:
            item_lines = layout(item, path, returns)
            lines.append("- " + item_lines[0])
            lines.extend("  " + line for line in item_lines[1:])
        return lines
    return str(_flat(value, path, returns)).splitlines() or [""]


def _flat(value: Any, path: str, returns: Returns) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_flat(v, path, returns) for v in value)
    return scalar_text(value, returns.get(path))


def scalar_text(value: Any, declared: str | None = None) -> str:
    """One value as a person reads it: dates for declared datetimes, rounded floats, `true`/`false`, blank null."""
    if value is None or isinstance(value, bool):
        return _null_or_bool(value)
    if declared == "datetime" and _is_number(value):
        return as_date(int(value))
    if declared == "duration" and _is_number(value):
        return as_duration(float(value))
    if isinstance(value, float):
        return rounded(value)
    return str(value)


def rounded(value: float) -> str:
    """Two decimals from 1 up, three significant digits below: 9.36, 1234.50, 0.667, 0.0712."""
    if value != value or abs(value) == float("inf") or value == 0:
        return str(value) if value else "0"
    return f"{value:.2f}" if abs(value) >= 1 else f"{value:.3g}"


def as_date(epoch_ms: int) -> str:
    """`2024-03-09 11:00` in UTC; a whole day is just `2024-03-09`, seconds only when there are some."""
    moment = from_epoch_ms(epoch_ms)
    if (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0):
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M:%S" if moment.second else "%Y-%m-%d %H:%M")


def as_duration(ms: float) -> str:
    """`3d 4h`, `5h 12m`, `42m`, `12s` or `350ms`: the two largest units."""
    sign = "-" if ms < 0 else ""
    if abs(ms) < 1000:
        return f"{sign}{abs(ms):.0f}ms"
    days, rest = divmod(round(abs(ms) / 1000), 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    units = [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")]
    first = next(n for n, (amount, _) in enumerate(units) if amount)
    return sign + " ".join(f"{amount}{unit}" for amount, unit in units[first:first + 2] if amount)


def _columns(rows: Sequence[Row]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_flat(value: Any) -> bool:
    return not isinstance(value, Mapping) and not (
        isinstance(value, list | tuple) and any(isinstance(v, Mapping | list | tuple) for v in value))


def _wrap(lines: list[str], width: int) -> list[str]:
    wrapped: list[str] = []
    for line in lines:
        if len(line) <= width:
            wrapped.append(line)
            continue
        indent = " " * (len(line) - len(line.lstrip(" -")))
        wrapped.extend(textwrap.wrap(line, width, subsequent_indent=indent, break_on_hyphens=False) or [""])
    return wrapped


def _fit(widths: list[int], terminal_width: int) -> list[int]:
    """Narrow the widest columns until the table fits the terminal (never below MIN_COLUMN_WIDTH)."""
    widths = list(widths)
    while sum(widths) + 2 * (len(widths) - 1) > terminal_width:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= MIN_COLUMN_WIDTH:
            break
        widths[widest] -= 1
    return widths


# -- CSV --------------------------------------------------------------------------------------------------------------
def write_csv(rows: Sequence[Row], returns: Returns, out: TextIO) -> None:
    if not rows:
        return
    columns = _columns(rows)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row.get(c), returns.get(c)) for c in columns])


def _csv_cell(value: Any, declared: str | None) -> str:
    if value is None or isinstance(value, bool):
        return _null_or_bool(value)
    if declared == "datetime" and _is_number(value):
        return rfc3339(int(value))
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _null_or_bool(value: bool | None) -> str:
    """Blank for null, `true`/`false` for booleans, in tables and CSV alike."""
    return "" if value is None else "true" if value else "false"
