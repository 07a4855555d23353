"""Files as they come (issue 11, item 12): multi-line quoted CSV fields are read, an unterminated quote costs only its
own row, and a truncated gzip gives up its readable rows; the reject names the file and the line."""

from __future__ import annotations

import csv
import gzip
import json
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from dtc_process import run_dtc

from graph.errors import InputError
from graph.store import GraphStore
from ingest.sources import LONGEST_FIELD, read_rows

HEADER = "event_id,customer_id,ts,channel,touchpoint,type,text\n"


def row(n: int, text: str = "") -> str:
    return f"e{n},ann,2024-05-01T10:{n // 60:02d}:{n % 60:02d}Z,web,checkout,feedback,{text}\n"


def rejects_of(source: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in Path(f"{source}.rejects.jsonl").read_text(encoding="utf-8").splitlines()]


def interaction_ids(store: GraphStore) -> set[str]:
    return {r["id"] for r in store.read("MATCH (i:Interaction) RETURN i.id AS id")}


def test_an_unterminated_quote_costs_its_own_row_and_parsing_resumes_at_the_next_line(
        store: GraphStore, store_env: dict[str, str], tmp_path: Path) -> None:
    lines = [HEADER,
             row(1, '"A narrative\nover two lines, with ""quotes"""'),  # lines 2-3: one valid row
             row(2, '"opened and never closed'),                          # line 4: its quote is closed on line 5
             row(3, '"quoted"'),                                          # line 5: read as a row again
             row(4, "plain"),                                             # line 6
             row(5, '"open at the end of the file'),                      # line 7
             row(6, "plain")]                                             # line 8: read as a row again
    source = tmp_path / "events.csv"
    source.write_text("".join(lines), encoding="utf-8")

    result = run_dtc("ingest", "--quiet", str(source), env=store_env)

    assert result.returncode == 3, result.stderr
    rejects = rejects_of(source)
    assert [(r["file"], r["line"], r["code"]) for r in rejects] == [(str(source), 4, "unterminated_quote"),
                                                                    (str(source), 7, "unterminated_quote")]
    assert "the quote opened on line 4" in rejects[0]["reason"]
    assert rejects[0]["text"] == row(2, '"opened and never closed').rstrip("\n")
    assert "still open at the end of the file" in rejects[1]["reason"]
    assert interaction_ids(store) == {"e1", "e3", "e4", "e6"}
    [e1] = store.read("MATCH (i:Interaction {id: 'e1'}) RETURN i.text AS text")
    assert e1["text"] == 'A narrative\nover two lines, with "quotes"'


def test_a_quote_open_past_the_longest_field_the_contract_allows_is_rejected_at_its_first_line(
        store: GraphStore, store_env: dict[str, str], tmp_path: Path) -> None:
    following = [row(n, "x" * 100) for n in range(2, 2 + LONGEST_FIELD // 100 + 20)]
    source = tmp_path / "events.csv"
    source.write_text(HEADER + row(1, '"never closed') + "".join(following) + row(999, '"closes a quote"'))

    result = run_dtc("ingest", "--quiet", str(source), env=store_env)

    assert result.returncode == 3, result.stderr
    [reject] = rejects_of(source)
    assert (reject["line"], reject["code"]) == (2, "unterminated_quote")
    assert f"still open after {LONGEST_FIELD:,} characters" in reject["reason"]
    assert interaction_ids(store) == {f"e{n}" for n in range(2, 2 + LONGEST_FIELD // 100 + 20)} | {"e999"}


def test_a_truncated_gzip_gives_up_its_readable_rows_and_names_the_line_where_it_breaks(
        store: GraphStore, store_env: dict[str, str], tmp_path: Path) -> None:
    events = "".join(json.dumps({"event_id": f"e{n}", "customer_id": f"c{n % 50}", "ts": "2024-05-01T10:00:00Z",
                                 "channel": "web", "touchpoint": "checkout", "type": "view"}) + "\n"
                     for n in range(4000))
    whole = gzip.compress(events.encode())
    cut = whole[: len(whole) * 2 // 3]
    readable = zlib.decompressobj(wbits=31).decompress(cut).count(b"\n")  # complete lines before the cut
    source = tmp_path / "events.jsonl.gz"
    source.write_bytes(cut)

    result = run_dtc("ingest", "--quiet", str(source), env=store_env)

    assert result.returncode == 3, result.stderr
    assert 1000 < readable < 4000 and f"ingested {readable}," in result.stdout
    [reject] = rejects_of(source)
    assert (reject["file"], reject["line"], reject["code"]) == (str(source), readable + 1, "truncated_file")
    assert len(interaction_ids(store)) == readable


def test_a_truncated_gzip_csv_whose_last_record_is_cut_inside_its_quote(tmp_path: Path) -> None:
    body = HEADER + "".join(row(n, f'"said:\nline {n}"') for n in range(3000))
    whole = gzip.compress(body.encode())
    source = tmp_path / "events.csv.gz"
    source.write_bytes(whole[: len(whole) // 2])

    rows = list(read_rows(str(source)))

    *complete, last = rows
    assert all(r.error is None for r in complete)
    assert [r.line for r in complete] == list(range(2, 2 * len(complete) + 2, 2))
    assert last.line == 2 * len(complete) + 2 and last.error is not None and last.error.startswith("truncated_file:")


def test_a_csv_header_naming_a_column_twice_is_refused_naming_it(tmp_path: Path) -> None:
    # read as a dict, the row would silently keep the last 'type' of the two (a purchase counted as a view, or back)
    source = tmp_path / "events.csv"
    source.write_text("event_id,customer_id,ts,channel,touchpoint,type,type\n"
                      "d1,c9,2024-01-01T00:00:00Z,web,home,view,purchase\n")

    with pytest.raises(InputError, match="the CSV header names the column 'type' twice"):
        list(read_rows(str(source)))


@pytest.mark.parametrize(("head", "first", "objects"), [
    (b"\x1f\x8b", "invalid_utf8", []),  # the magic alone: a text line that is not UTF-8
    (b"\x1f\x8bnot gzip\n{}\n" + b'{"event_id": 1}\n', "invalid_utf8", [{}, {"event_id": 1}]),
    (gzip.compress(b'{"a": 1}\n')[:12], "truncated_file", []),  # a real gzip header, cut after it
])
def test_a_file_that_starts_like_a_gzip_is_read_as_what_it_holds(tmp_path: Path, head: bytes, first: str,
                                                                 objects: list[Any]) -> None:
    """Found by test_ingest_property: a line starting with the gzip magic made the file gzip, and reading its header
    raised EOFError out of the format sniffing (dtc ingest exit 1, no row read)."""
    source = tmp_path / "events.jsonl"
    source.write_bytes(head)

    rejected, *rest = list(read_rows(str(source)))

    assert rejected.line == 1 and (rejected.error or "").startswith(first + ":")
    assert [(r.line, r.obj) for r in rest] == list(enumerate(objects, start=2))


def test_the_multi_line_narratives_of_a_real_export_read_as_the_csv_module_reads_them(shared_data: Path) -> None:
    """The CFPB sample: 602 narratives span lines. Every record reads as Python's csv module reads it, but for the two
    whose narrative runs on for more than any text the contract allows after its first line: those are rejected at
    their first line, and the lines after it read as (bad) rows again; nothing is invented."""
    path = shared_data / "cfpb" / "complaints_sample.csv"
    with open(path, encoding="utf-8", newline="") as f:
        expected = [tuple(cells) for cells in csv.reader(f)][1:]
    read = list(read_rows(str(path), fmt="csv"))

    whole = Counter(tuple(r.obj.values()) for r in read if r.error is None and None not in r.obj.values())
    missing = Counter(expected) - whole
    assert sum(1 for cells in expected if any("\n" in cell for cell in cells)) == 602
    assert not whole - Counter(expected)
    assert sum(missing.values()) == 2 and all(max(map(len, cells)) > LONGEST_FIELD for cells in missing)
    assert sum(1 for r in read if r.error is not None and r.error.startswith("unterminated_quote:")) == 2
