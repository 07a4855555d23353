"""`dtc cypher run` output as an analyst reads it, for every named query over a small demo twin: the table cuts
nothing silently, rounds numbers and shows declared datetimes as dates; `--json` is exactly what the store returned;
`--csv` is one header and one line per row. Unknown codes, bad dates and writes without --write are clear errors."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from demo_graph import DemoTwin

import cypher
from dtc.cli import main

# a value for every required parameter of the library; a new query with another required parameter adds one here
SAMPLE_VALUES: dict[str, str] = {
    "persona": "trend-seeker", "id": "sydney",
    "steps": '[{"stage": "awareness"}, {"stage": "consideration"}, {"type": "purchase"}]',
    "cohortEvent": '{"stage": "awareness"}', "returnEvent": '{"type": "purchase"}',
}
ANALYST_QUERIES = [q.name for q in cypher.load_all() if q.audience != "internal"]
UNROUNDED = re.compile(r"(?<![\w.])-?\d+\.0*[1-9]\d{4,}(?![\w.])")  # 0.666666666666667, not 0.00847
EPOCH_MS = re.compile(r"(?<!\d)1\d{12}(?!\d)")  # 1709982000000: a timestamp left as a number


@pytest.fixture(scope="module")
def demo(demo_twin: DemoTwin) -> DemoTwin:
    return demo_twin


def dtc(demo: DemoTwin, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("DTC_GRAPH_NAME", demo.settings.graph_name)
    code = main(["--store", demo.settings.graph_url, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def sample_params(name: str) -> list[str]:
    params = []
    for p in cypher.load(name).params:
        if p.required:
            assert p.name in SAMPLE_VALUES, f"add a sample value for {name}'s required parameter {p.name}"
            params += ["--param", f"{p.name}={SAMPLE_VALUES[p.name]}"]
    return params


def leaves(value: Any, path: str, found: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """Every scalar inside a row with its column path (list items share their list's path)."""
    if isinstance(value, dict):
        for k, v in value.items():
            leaves(v, f"{path}.{k}" if path else k, found)
    elif isinstance(value, list):
        for v in value:
            leaves(v, path, found)
    else:
        found.append((path, value))
    return found


@pytest.mark.parametrize("name", ANALYST_QUERIES)
def test_every_named_query_prints_a_readable_table_that_cuts_nothing(
        demo: DemoTwin, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    params = sample_params(name)
    code, table, err = dtc(demo, capsys, monkeypatch, "cypher", "run", name, *params)
    assert code == 0, err
    code, exact, err = dtc(demo, capsys, monkeypatch, "cypher", "run", name, *params, "--json")
    assert code == 0, err
    rows = json.loads(exact)
    assert rows, f"{name} answered nothing on the demo twin: the table check would prove nothing"
    given = {p.split("=", 1)[0]: p.split("=", 1)[1] for p in params[1::2]}
    assert rows == json.loads(json.dumps(demo.store.run(name, given), default=str)), "--json must be the store's answer"

    returns = cypher.load(name).returns
    words = set(table.split())
    assert not UNROUNDED.findall(table), f"{name}: unrounded numbers in the table"
    assert not EPOCH_MS.findall(table), f"{name}: a timestamp printed as epoch milliseconds"
    for row in rows:
        for path, value in leaves(row, "", []):
            if value is None or isinstance(value, bool):
                continue
            if returns.get(path) == "datetime":
                day = datetime.fromtimestamp(value / 1000, tz=UTC).strftime("%Y-%m-%d")
                assert day in table, f"{name}: {path}={value} is not shown as the date {day}"
            elif isinstance(value, int) and returns.get(path) is None:
                assert re.search(rf"(?<![\d.]){value}(?![\d.])", table), f"{name}: {path}={value} is missing"
            elif isinstance(value, str):
                missing = [w for w in value.split() if not any(w in t for t in words)]
                assert not missing, f"{name}: {path} lost {missing} (cut instead of wrapped?)"
            elif isinstance(value, float) and value != int(value):
                digits = f"{value:.2f}" if abs(value) >= 1 else f"{value:.3g}"
                assert digits in table, f"{name}: {path}={value} is not shown rounded as {digits}"


def test_csv_has_a_header_and_a_line_per_row_with_iso_datetimes(
        demo: DemoTwin, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = dtc(demo, capsys, monkeypatch, "cypher", "run", "customer-timeline", "--param", "id=sydney",
                         "--csv")
    assert code == 0, err
    lines = list(csv.DictReader(io.StringIO(out)))
    assert [line["id"] for line in lines] == ["e1", "e2", "e3", "e4", "e5"]
    assert lines[3]["at"] == "2024-03-09T11:00:00.000Z"
    assert lines[3]["frictions"] == '["colour_mismatch"]'
    assert lines[4]["sentiment"] == "-0.7" and lines[0]["csat"] == ""


def test_an_unknown_persona_is_an_error_naming_the_closest_codes(
        demo: DemoTwin, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = dtc(demo, capsys, monkeypatch, "cypher", "run", "friction-to-competitors",
                         "--param", "persona=trend-seekr")
    assert code == 2
    assert out == ""
    assert err.strip() == "dtc: error: There is no persona 'trend-seekr'; the closest known: trend-seeker."


def test_a_bad_date_says_which_formats_work(
        demo: DemoTwin, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = dtc(demo, capsys, monkeypatch, "cypher", "run", "journey-map", "--param", "persona=trend-seeker",
                       "--param", "since=2024-13-01")
    assert code == 2
    assert "since='2024-13-01' is not a valid datetime" in err
    assert "epoch milliseconds" in err and "2024-05-01T10:00:00Z" in err


def test_a_write_without_write_says_to_add_it(
        demo: DemoTwin, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = dtc(demo, capsys, monkeypatch, "cypher", "query", "MATCH (c:Customer {id: 'sydney'}) SET c.x = 1")
    assert code == 2
    assert err.strip() == "dtc: error: This query writes; add --write to run it."
    assert demo.store.read("MATCH (c:Customer {id: 'sydney'}) RETURN c.x AS x") == [{"x": None}]


def test_cypher_list_hides_internal_queries_unless_asked(
        demo: DemoTwin, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _, listed, _ = dtc(demo, capsys, monkeypatch, "cypher", "list", "--json")
    names = [q["name"] for q in json.loads(listed)]
    assert "embeddings-upsert" not in names and "friction-to-competitors" in names
    _, everything, _ = dtc(demo, capsys, monkeypatch, "cypher", "list", "--all", "--json")
    assert "embeddings-upsert" in [q["name"] for q in json.loads(everything)]


def test_every_code_parameter_names_an_ontology_label_and_its_key() -> None:
    from graph.codes import CODE_KEYS
    from graph.ontology import Label

    for query in cypher.load_all():
        for p in query.params:
            if p.refers_to is not None:
                label, key = p.refers_to
                assert CODE_KEYS.get(Label(label)) == key, f"{query.name}: {p.name} refers to {label}.{key}"



def test_feedback_search_for_an_unknown_persona_names_the_closest(
        demo: DemoTwin, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = dtc(demo, capsys, monkeypatch, "feedback", "similar", "my parcel came late",
                         "--persona", "busy-parnet")
    assert (code, out) == (2, "")
    assert err.strip() == "dtc: error: There is no persona 'busy-parnet'; the closest known: busy-parent."
