"""Generic CSV mapping: a YAML file turns rows of any CSV export into contract events, without Python.

    timezone: "-03:00"                 # for timestamps written without an offset
    lookups:                           # small tables for joins, read from the input file's folder
      person: {file: customers.csv, key: customer_id, value: customer_unique_id}
    sources:
      - files: "*orders*.csv"          # which input files this block maps (a glob on the file name)
        events:                        # each row can give several events
          - when: {present: order_purchase_timestamp}
            event_id: "order-{order_id}-purchase"
            customer_id: "{customer_id|lookup:person}"
            ts: "{order_purchase_timestamp|time}"
            channel: web
            touchpoint: checkout
            type: purchase
            friction:
              - {code: late-delivery, when: {after: [order_delivered_customer_date, order_estimated_delivery_date]}}

A value is a literal or a template: `{column|filter|…}` pieces in text. Filters: `lookup:<table>`, `time` (the
mapping's timezone added when the value has no offset), `int`, `float`, `lower`, `upper`, `strip`. A template that is
one piece keeps its value's type; an empty cell makes the field absent. Conditions (`when`): `present: col`,
`missing: col`, `equals: [col, value]`, `after: [col_a, col_b]` (both times), `all: [...]`, `any: [...]`.
A row that cannot be mapped (unknown column, a key missing from a lookup) is rejected with the reason.
"""

from __future__ import annotations

import csv
import fnmatch
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from graph.errors import InputError
from ingest.catalog import read_yaml_file
from ingest.contracts import NUMBER_FIELDS
from ingest.reasons import reject_reason
from ingest.sources import SourceRow, read_rows

_PIECE = re.compile(r"\{([^{}]+)\}")
_OFFSET = re.compile(r"([Zz]|[+-]\d{2}:?\d{2})$")
FILTERS = ("lookup", "time", "int", "float", "lower", "upper", "strip")
Row = Mapping[str, str | None]


@dataclass
class Lookup:
    file: str
    key: str
    value: str
    table: dict[str, str] = field(default_factory=dict)
    loaded_from: Path | None = None

    def load(self, folder: Path) -> None:
        path = folder / self.file
        if self.loaded_from == path:
            return
        try:
            with open(path, encoding="utf-8-sig", newline="") as f:
                reader = csv.DictReader(f)
                missing = {self.key, self.value} - set(reader.fieldnames or ())
                if missing:
                    raise InputError(f"The lookup file {path} has no column {', '.join(sorted(missing))}.")
                self.table = {row[self.key]: row[self.value] for row in reader if row.get(self.key)}
        except OSError as e:
            raise InputError(f"Cannot read the lookup file {path}: {e.strerror}; it must sit beside the input "
                             "file.") from e
        self.loaded_from = path


@dataclass
class CsvMapping:
    """A loaded mapping file."""

    path: Path
    timezone: str
    lookups: dict[str, Lookup]
    sources: list[dict[str, Any]]

    def source_for(self, file: str) -> dict[str, Any]:
        name = Path(file).name
        for source in self.sources:
            if fnmatch.fnmatch(name, str(source.get("files", "*"))):
                return source
        raise InputError(f"No source in the mapping {self.path} matches {name}; add a `files:` pattern for it.")

    def map_row(self, source: Mapping[str, Any], row: Row) -> list[dict[str, Any]]:
        """The events one CSV row gives under one `sources:` block."""
        events = []
        for spec in source.get("events") or []:
            if "when" in spec and not self._holds(spec["when"], row):
                continue
            event: dict[str, Any] = {}
            for name, template in spec.items():
                if name == "when":
                    continue
                value = self._field(name, template, row)
                if value is not None and value != [] and value != {}:
                    event[name] = value
            events.append(event)
        return events

    def row_reader(self) -> Callable[[str, int, int], Iterator[SourceRow]]:
        """A reader for `ingest_files(row_reader=…)`: every CSV row mapped to its events (same line and offset)."""

        def read(path: str, start: int, line: int) -> Iterator[SourceRow]:
            source = self.source_for(path)
            folder = Path(path).resolve().parent
            for lookup in self.lookups.values():
                lookup.load(folder)
            for row in read_rows(path, start=start, start_line=line, fmt="csv"):
                if row.error is not None:
                    yield row
                    continue
                try:
                    events = self.map_row(source, row.obj)
                except InputError as e:
                    yield SourceRow(row.source, row.line, row.text, None, reject_reason("mapping_failed", str(e)),
                                    row.end)
                    continue
                for event in events:
                    yield SourceRow(row.source, row.line, row.text, event, None, row.end)

        return read

    # -- values and conditions --------------------------------------------------------------------------------
    def _field(self, name: str, template: Any, row: Row) -> Any:
        if name == "friction":
            items = template if isinstance(template, list) else [template]
            codes = []
            for item in items:
                if isinstance(item, Mapping):
                    if "when" in item and not self._holds(item["when"], row):
                        continue
                    item = item.get("code")
                value = self._value(item, row)
                if value is not None:
                    codes.append(str(value))
            return codes
        if isinstance(template, Mapping):  # identities, attributes
            values = {k: self._value(v, row) for k, v in template.items()}
            return {k: v for k, v in values.items() if v is not None}
        value = self._value(template, row)
        if name in NUMBER_FIELDS and isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                return value  # the contract check names it
            return int(number) if number.is_integer() and name == "nps" else number
        return value

    def _value(self, template: Any, row: Row) -> Any:
        if not isinstance(template, str):
            return template
        pieces = list(_PIECE.finditer(template))
        if len(pieces) == 1 and pieces[0].group(0) == template:
            return self._piece(pieces[0].group(1), row)
        parts = []
        position = 0
        for piece in pieces:
            value = self._piece(piece.group(1), row)
            if value is None:
                return None  # a text built from an absent value is absent
            parts += [template[position:piece.start()], str(value)]
            position = piece.end()
        parts.append(template[position:])
        return "".join(parts)

    def _piece(self, expression: str, row: Row) -> Any:
        column, *filters = [p.strip() for p in expression.split("|")]
        if column not in row:
            raise InputError(f"the mapping uses column {column!r}, which this file does not have")
        value: Any = row[column]
        if value is None or not str(value).strip():
            return None
        for flt in filters:
            value = self._filter(flt, value, column)
        return value

    def _filter(self, flt: str, value: Any, column: str) -> Any:
        name, _, argument = flt.partition(":")
        if name == "lookup":
            table = self.lookups[argument].table
            if str(value) not in table:
                raise InputError(f"{column} {value!r} is not in the lookup table {argument}")
            return table[str(value)]
        if name == "time":
            text = str(value).strip().replace(" ", "T", 1)
            return text if _OFFSET.search(text) else text + self.timezone
        if name in ("int", "float"):
            try:
                number = float(value)
            except ValueError:
                raise InputError(f"{column} {value!r} is not a number") from None
            return int(number) if name == "int" else number
        if name in ("lower", "upper", "strip"):
            return getattr(str(value), name)()
        raise InputError(f"unknown filter {flt!r}")  # checked at load; kept for safety

    def _holds(self, condition: Any, row: Row) -> bool:
        if not isinstance(condition, Mapping) or len(condition) != 1:
            raise InputError(f"a condition must be one of present, missing, equals, after, all, any: {condition!r}")
        [(kind, argument)] = condition.items()
        if kind == "present":
            return self._piece(str(argument), row) is not None
        if kind == "missing":
            return self._piece(str(argument), row) is None
        if kind == "equals":
            return bool(self._piece(str(argument[0]), row) == argument[1])
        if kind == "after":
            first, second = (self._time(str(a), row) for a in argument)
            return first is not None and second is not None and first > second
        if kind == "all":
            return all(self._holds(c, row) for c in argument)
        if kind == "any":
            return any(self._holds(c, row) for c in argument)
        raise InputError(f"unknown condition {kind!r}")

    def _time(self, column: str, row: Row) -> datetime | None:
        value = self._piece(column, row)
        if value is None:
            return None
        try:
            return datetime.fromisoformat(self._filter("time", value, column))
        except ValueError:
            raise InputError(f"{column} {value!r} is not a date and time") from None


def load_mapping(path: Path) -> CsvMapping:
    """Read and check a mapping file; InputError names the problem and where it is."""
    data = read_yaml_file(path, "mapping")
    if not isinstance(data, Mapping) or not isinstance(data.get("sources"), list) or not data["sources"]:
        raise InputError(f"The mapping {path} needs a `sources:` list (see docs/ingest.md).")
    timezone = str(data.get("timezone") or "Z")
    if not _OFFSET.fullmatch(timezone):
        raise InputError(f"The mapping's timezone {timezone!r} must be an offset such as -03:00 or Z.")
    lookups: dict[str, Lookup] = {}
    for name, spec in (data.get("lookups") or {}).items():
        if not isinstance(spec, Mapping) or not all(spec.get(k) for k in ("file", "key", "value")):
            raise InputError(f"The mapping's lookup {name!r} needs file, key and value.")
        lookups[str(name)] = Lookup(str(spec["file"]), str(spec["key"]), str(spec["value"]))
    for n, source in enumerate(data["sources"], start=1):
        if not isinstance(source, Mapping) or not isinstance(source.get("events"), list):
            raise InputError(f"sources[{n}] of the mapping {path} needs an `events:` list.")
        for template in _templates(source["events"]):
            for piece in _PIECE.findall(template):
                for flt in piece.split("|")[1:]:
                    name, _, argument = flt.strip().partition(":")
                    if name not in FILTERS:
                        raise InputError(f"The mapping {path} uses an unknown filter {name!r} in {template!r}; "
                                         f"filters are {', '.join(FILTERS)}.")
                    if name == "lookup" and argument not in lookups:
                        raise InputError(f"The mapping {path} uses lookup:{argument}, which `lookups:` lacks.")
    return CsvMapping(path, "+00:00" if timezone in ("Z", "z") else timezone, lookups,
                    [dict(s) for s in data["sources"]])


def _templates(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _templates(v)
    elif isinstance(value, list):
        for v in value:
            yield from _templates(v)
