"""A bad row never stops a job (issue 11, item 8): `dtc ingest` sends every row it cannot parse or store to the
rejects file with a coded reason, ingests every valid row and exits 3; every character the store can hold reads back
identical through the real engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dtc_process import run_dtc

from graph.errors import InputError, QueryError
from graph.fingerprint import fingerprint
from graph.settings import Settings
from graph.store import GraphStore
from ingest.batch import ingest_files
from ingest.reasons import REJECT_CODES
from ingest.sources import SourceRow

GOOD = {"ts": "2024-05-01T10:00:00Z", "channel": "web", "touchpoint": "product_page", "type": "view"}


def line(event_id: str, **fields: Any) -> str:
    """An event line as JSON writes it (NUL and lone surrogates as \\u escapes, as any JSON writer would)."""
    return json.dumps({"event_id": event_id, "customer_id": "ann", **GOOD, **fields})


def rejects_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines()]


def interaction_ids(store: GraphStore) -> list[str]:
    return sorted(r["id"] for r in store.read("MATCH (i:Interaction) RETURN i.id AS id"))


def test_bad_rows_go_to_the_rejects_file_with_a_code_and_every_valid_row_is_ingested(
        store: GraphStore, store_env: dict[str, str], tmp_path: Path) -> None:
    deep = "[" * 5000 + "]" * 5000
    rows: list[tuple[bytes, str | None]] = [  # (the line, its reject code or None when it is valid)
        (line("g1").encode(), None),
        (line("nul", text="before\x00after").encode(), "invalid_character"),
        (line("surrogate", text="x\ud800y").encode(), "invalid_character"),
        (line("nul-name", **{"campaign\x00": "spring"}).encode(), "invalid_character"),
        (line("soh\x01id").encode(), "invalid_character"),  # crashed the FalkorDB server (test_ingest_property)
        (line("surrogate-identity", identities={"email": "a\udc00@shop.example"}).encode(), "invalid_character"),
        (f'{{"event_id": "deep", "customer_id": "ann", "attributes": {{"a": {deep}}}}}'.encode(), "too_deep"),
        (f'{{"event_id": "digits", "customer_id": "ann", "attributes": {{"n": {"9" * 5000}}}}}'.encode(),
         "number_too_large"),
        (line("overflow").replace('"type": "view"', '"type": "view", "value": 1e400').encode(), "number_too_large"),
        (line("int64", value=10**30).encode(), "number_too_large"),
        (line("nan").replace('"type": "view"', '"type": "view", "csat": NaN').encode(), "malformed_json"),
        (line("twice").replace('"type": "view"', '"type": "view", "type": "purchase"').encode(), "duplicate_key"),
        (line("frictions", friction=[f"f{n}" for n in range(50_000)]).encode(), "too_long"),  # 15 s for one event
        (line("null-customer", customer_id=None).encode(), "missing_field"),
        (line("null-customer-with-email", customer_id=None, identities={"email": "bo@shop.example"}).encode(), None),
        (b'{"event_id": "latin1", "customer_id": "ann", "text": "caf\xe9"}', "invalid_utf8"),
        (b"[1, 2]", "not_an_object"),
        (line("g2", text="ok").encode(), None),
    ]
    source = tmp_path / "events.jsonl"
    source.write_bytes(b"\n".join(text for text, _ in rows) + b"\n")

    result = run_dtc("ingest", "--quiet", str(source), env=store_env)

    assert result.returncode == 3, result.stderr
    assert "events read 18, ingested 3, duplicates 0, rejected 15" in result.stdout
    rejects = rejects_of(Path(f"{source}.rejects.jsonl"))
    assert [(r["line"], r["code"]) for r in rejects] == [(n, code) for n, (_, code) in enumerate(rows, start=1) if code]
    assert all(r["file"] == str(source) and r["reason"].startswith(r["code"] + ": ") for r in rejects)
    assert all(r["code"] in REJECT_CODES for r in rejects)
    by_id = {r.get("event_id"): r for r in rejects}
    assert "text holds a NUL character" in by_id["nul"]["reason"]
    assert "text holds a lone surrogate (U+D800)" in by_id["surrogate"]["reason"]
    assert "the name 'campaign\\x00' of a field holds a NUL" in by_id["nul-name"]["reason"]
    assert "event_id holds a start-of-heading character (U+0001) at character 4" in by_id["soh\x01id"]["reason"]
    assert "identities.email holds a lone surrogate" in by_id["surrogate-identity"]["reason"]
    assert by_id["nul"]["text"] == rows[1][0].decode()  # the original line, as it was
    assert interaction_ids(store) == ["g1", "g2", "null-customer-with-email"]


def test_every_character_the_store_can_hold_reads_back_identical(store: GraphStore, store_settings: Settings,
                                                                   tmp_path: Path) -> None:
    texts = {
        "controls": "".join(chr(c) for c in range(2, 32)) + "\x7f",  # U+0001: invalid_character (see below)
        "escapes": 'back\\slash \\u0041 \\n "quoted" \'single\' `ticked` \\',
        "json-like": '{"a": 1}, "b": [2]} {"',
        "unicode": "é ü 中文 😀 \U0010ffff \u2028\u2029 \ufeff \u200b اَلْعَرَبِيَّةُ e\u0301",
        "cypher-like": "'}) MATCH (n) DETACH DELETE n //",
        "newlines": "line one\r\nline two\rthree\n",
    }
    events = [{"event_id": f"t-{name}", "customer_id": f"c {name} 😀", **GOOD, "session_id": f"s\\{name}",
               "text": text, "attributes": {text: text, "nested": [text, {"k": text}]}, "note": text}
              for name, text in texts.items()]
    source = tmp_path / "events.jsonl"
    source.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")

    report = ingest_files(store, store_settings, events=[source])

    assert (report.ingested, report.rejected) == (len(events), 0)
    for event in events:
        [stored] = store.run("export-interactions", {"id": event["customer_id"]})
        interaction = stored["i"]
        assert interaction["id"] == event["event_id"] and interaction["session_id"] == event["session_id"]
        assert interaction["text"] == event["text"]
        assert json.loads(interaction["attributes"]) == {**event["attributes"], "note": event["note"]}


def test_the_rejects_file_is_written_whatever_the_row_held(store: GraphStore, store_settings: Settings,
                                                           tmp_path: Path) -> None:
    """A row reader may hand over text no UTF-8 file could hold (a lone surrogate): it is escaped, not fatal; and
    the line breaks JSON leaves raw (U+2028, U+2029, U+0085) are escaped too, so every reader sees one record a line
    (str.splitlines cut the record in two: found by test_ingest_property)."""
    held = "raw \ud800 surrogate and NUL \x00 and breaks \u2028 \u2029 \x85"

    def reader(path: str, start: int, line_no: int) -> Any:
        yield SourceRow(path, 1, held, {"event_id": "odd", "customer_id": "ann", **GOOD, "text": held}, None, 10)
        yield SourceRow(path, 2, "fine", {"event_id": "fine", "customer_id": "ann", **GOOD}, None, 20)

    source = tmp_path / "odd.jsonl"
    source.write_text("placeholder\n")
    report = ingest_files(store, store_settings, events=[source], row_reader=reader)

    assert (report.ingested, report.rejected, report.exit_code) == (1, 1, 3)
    [reject] = rejects_of(Path(f"{source}.rejects.jsonl"))
    assert reject["text"] == held and reject["code"] == "invalid_character"


def test_a_write_the_store_refuses_is_split_until_the_rows_it_refuses_alone_are_found(
        store: GraphStore, store_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should validation ever let through a row the store cannot write (here the NUL rule is switched off, so the
    real FalkorDB parser meets the NUL), the refused batch is halved until the rows refused alone are found: they go
    to the rejects file as store_refused, and every other row is written, linked as in a run without them."""
    def at(n: int) -> str:
        return f"2024-05-01T10:{n // 60:02d}:{n % 60:02d}Z"

    lines = [line(f"e{n}", customer_id=f"c{n % 3}", ts=at(n), text="x\x00y" if n in (7, 31) else f"t{n}")
             for n in range(40)]
    good = tmp_path / "good.jsonl"
    good.write_text("".join(text + "\n" for n, text in enumerate(lines) if n not in (7, 31)))
    ingest_files(store, store_settings, events=[good], batch_size=16)
    clean = fingerprint(store)
    store.clear()
    source = tmp_path / "events.jsonl"
    source.write_text("".join(text + "\n" for text in lines))
    monkeypatch.setattr("ingest.contracts.check_characters", lambda obj, errors: None)

    report = ingest_files(store, store_settings, events=[source], batch_size=16)

    assert (report.read, report.ingested, report.rejected, report.exit_code) == (40, 38, 2, 3)
    rejects = rejects_of(Path(f"{source}.rejects.jsonl"))
    assert [(r["line"], r["code"], r["event_id"]) for r in rejects] == [(8, "store_refused", "e7"),
                                                                         (32, "store_refused", "e31")]
    assert rejects[0]["text"] == lines[7] and "FalkorDB rejected the query" in rejects[0]["reason"]
    assert interaction_ids(store) == sorted(f"e{n}" for n in range(40) if n not in (7, 31))
    assert fingerprint(store) == clean


def test_a_store_that_refuses_every_write_fails_the_job_instead_of_rejecting_its_rows(
        store: GraphStore, store_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "events.jsonl"
    source.write_text("".join(line(f"e{n}", customer_id=f"c{n}") + "\n" for n in range(6)))
    refusal = "FalkorDB rejected the query: OOM command not allowed when used memory > 'maxmemory'."

    def full(*args: Any, **kwargs: Any) -> Any:
        raise QueryError(refusal)

    monkeypatch.setattr(store, "run", full)
    with pytest.raises(QueryError, match="OOM command not allowed"):
        ingest_files(store, store_settings, events=[source])
    assert not Path(f"{source}.rejects.jsonl").exists()


def test_a_catalog_entry_with_a_character_the_store_cannot_hold_is_a_usage_error_before_any_write(
        store: GraphStore, store_settings: Settings, tmp_path: Path) -> None:
    """A U+0001 in a catalog code crashed the FalkorDB server (a NUL failed the query): the catalog is refused whole,
    naming the entry and the field, as any contract break of the catalog is."""
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps({"channels": [{"code": "web"}, {"code": "sh\x01op"}],
                                   "triggers": [{"code": "promo", "name": "Spring\x00sale"}]}))

    with pytest.raises(InputError) as refused:
        ingest_files(store, store_settings, catalog=catalog)

    assert "channels[2].code holds a start-of-heading character (U+0001)" in str(refused.value)
    assert "triggers[1].name holds a NUL character (U+0000)" in str(refused.value)
    assert store.read("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]
