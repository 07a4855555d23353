"""The named-query loader: headers, parameters, variants, and mistakes reported with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

import cypher
from cypher import NamedQueryError, load, to_epoch_ms

GOOD = """// name: customers-of-persona
// Customers showing a persona, with the weight.
// params:
//   persona: string          persona code
//   since: datetime = null   epoch ms or RFC 3339
//   limit: int = 100
// mode: read
MATCH (c:Customer)-[s:SHOWS]->(:Persona {code: $persona})
WHERE $since IS NULL OR s.since >= $since
RETURN c.id AS id, s.weight AS weight LIMIT $limit
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.cypher"
    path.write_text(text)
    return path


def test_a_good_file_loads_with_its_header(tmp_path: Path) -> None:
    write(tmp_path, "customers-of-persona", GOOD)
    query = load("customers-of-persona", tmp_path)
    assert query.mode == "read"
    assert query.description == "Customers showing a persona, with the weight."
    assert [(p.name, p.type, p.required) for p in query.params] == [
        ("persona", "string", True), ("since", "datetime", False), ("limit", "int", False)]
    assert query.text.startswith("MATCH (c:Customer)")


def test_bind_fills_defaults_and_coerces_command_line_strings(tmp_path: Path) -> None:
    write(tmp_path, "customers-of-persona", GOOD)
    query = load("customers-of-persona", tmp_path)
    assert query.bind({"persona": "p", "since": "2024-05-01T10:00:00Z", "limit": "5"}) == {
        "persona": "p", "since": 1714557600000, "limit": 5}
    assert query.bind({"persona": "p"}) == {"persona": "p", "since": None, "limit": 100}


def test_bind_refuses_missing_unknown_and_malformed_parameters(tmp_path: Path) -> None:
    write(tmp_path, "customers-of-persona", GOOD)
    query = load("customers-of-persona", tmp_path)
    with pytest.raises(NamedQueryError, match="needs --param persona"):
        query.bind({})
    with pytest.raises(NamedQueryError, match="has no parameter colour"):
        query.bind({"persona": "p", "colour": "red"})
    with pytest.raises(NamedQueryError, match="limit='many' is not a valid int"):
        query.bind({"persona": "p", "limit": "many"})
    with pytest.raises(NamedQueryError, match="since='yesterday' is not a valid datetime"):
        query.bind({"persona": "p", "since": "yesterday"})


def test_an_undeclared_parameter_is_reported_with_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "undeclared", GOOD.replace("customers-of-persona", "undeclared")
                 .replace("LIMIT $limit", "LIMIT $limt"))
    with pytest.raises(NamedQueryError, match=rf"{path}:10: \$limt is used but not declared"):
        load("undeclared", tmp_path)


def test_a_declared_but_unused_parameter_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "unused", GOOD.replace("customers-of-persona", "unused").replace(" LIMIT $limit", ""))
    with pytest.raises(NamedQueryError, match="limit is declared but never used"):
        load("unused", tmp_path)


def test_parameters_inside_strings_and_comments_are_not_parameters(tmp_path: Path) -> None:
    text = GOOD.replace("customers-of-persona", "strings").replace(
        "RETURN c.id AS id", "RETURN c.id AS id, '$price' AS literal // costs $money\n")
    write(tmp_path, "strings", text)
    assert load("strings", tmp_path).name == "strings"


@pytest.mark.parametrize(("mutation", "message"), [
    (lambda t: t.replace("// name: bad\n", ""), "lacks '// name: bad'"),
    (lambda t: t.replace("// mode: read", "// mode: sometimes"), "mode must be read or write"),
    (lambda t: t.replace("// name: bad", "// name: other"), "header says name 'other'"),
    (lambda t: t.replace("limit: int = 100", "limit: integer = 100"), "type 'integer' is not one of"),
    (lambda t: t.replace("// Customers showing a persona, with the weight.\n", ""), "lacks a description"),
])
def test_header_mistakes_are_reported(tmp_path: Path, mutation, message: str) -> None:  # type: ignore[no-untyped-def]
    write(tmp_path, "bad", mutation(GOOD.replace("customers-of-persona", "bad")))
    with pytest.raises(NamedQueryError, match=message):
        load("bad", tmp_path)


def test_an_engine_variant_replaces_the_text_on_that_engine_only(tmp_path: Path) -> None:
    write(tmp_path, "customers-of-persona", GOOD)
    (tmp_path / "customers-of-persona.falkordb.cypher").write_text(
        "// name: customers-of-persona\nMATCH (c:Customer) WHERE c.p = $persona RETURN c.id AS id LIMIT $limit\n")
    query = load("customers-of-persona", tmp_path)
    assert query.text_for("falkordb").startswith("MATCH (c:Customer) WHERE")
    assert query.text_for("neo4j") == query.text
    assert cypher.names(tmp_path) == ["customers-of-persona"]


def test_an_unknown_name_points_to_the_list(tmp_path: Path) -> None:
    with pytest.raises(NamedQueryError, match="dtc cypher list"):
        load("nope", tmp_path)


def test_epoch_ms_accepts_numbers_and_offset_timestamps_only() -> None:
    assert to_epoch_ms("2024-05-01T10:00:00Z") == 1714557600000
    assert to_epoch_ms("2024-05-01T12:00:00+02:00") == 1714557600000
    assert to_epoch_ms(1714557600000) == 1714557600000
    with pytest.raises(ValueError, match="no time zone"):
        to_epoch_ms("2024-05-01T10:00:00")


def test_map_parameters_and_exact_milliseconds() -> None:
    from datetime import UTC, datetime

    from cypher import Param, to_epoch_ms

    matcher = Param("start", "map", None, "")
    assert matcher.coerce('{"touchpoint": "checkout"}') == {"touchpoint": "checkout"}
    assert matcher.coerce({"type": "switch"}) == {"type": "switch"}
    with pytest.raises(NamedQueryError, match="start=.* is not a valid map"):
        matcher.coerce("[1, 2]")
    # sub-millisecond parts round toward minus infinity, also before 1970 (int() of a float rounded toward zero)
    assert to_epoch_ms("1969-12-31T23:59:59.9995Z") == -1
    assert to_epoch_ms(datetime(2024, 5, 1, 0, 0, 0, 999, tzinfo=UTC)) == 1_714_521_600_000


def test_returns_declares_column_types_with_nested_paths_on_continued_lines(tmp_path: Path) -> None:
    text = GOOD.replace("// mode: read", "// returns: since: datetime, weight: float\n"
                                         "//   journeys.interactions.at: datetime, edges.medianMs: duration\n"
                                         "// mode: read")
    write(tmp_path, "customers-of-persona", text)
    query = load("customers-of-persona", tmp_path)
    assert dict(query.returns) == {"since": "datetime", "weight": "float", "journeys.interactions.at": "datetime",
                                   "edges.medianMs": "duration"}
    assert query.description == "Customers showing a persona, with the weight."


@pytest.mark.parametrize(("returns", "message"), [
    ("at: timestamp", "return type 'timestamp' is not one of"),
    ("at datetime", "cannot read return column 'at datetime'"),
])
def test_a_bad_returns_line_is_reported_with_file_and_line(tmp_path: Path, returns: str, message: str) -> None:
    path = write(tmp_path, "bad", GOOD.replace("customers-of-persona", "bad")
                 .replace("// mode: read", f"// returns: {returns}\n// mode: read"))
    with pytest.raises(NamedQueryError, match=rf"{path}:7: {message}"):
        load("bad", tmp_path)


def test_internal_queries_live_in_internal_with_the_flag_and_only_there(tmp_path: Path) -> None:
    write(tmp_path, "customers-of-persona", GOOD)
    assert load("customers-of-persona", tmp_path).audience == "analyst"
    (tmp_path / "internal").mkdir()
    job = GOOD.replace("customers-of-persona", "job").replace("// mode: read", "// mode: read\n// audience: internal")
    write(tmp_path / "internal", "job", job)
    assert load("job", tmp_path).audience == "internal"
    assert cypher.names(tmp_path) == ["customers-of-persona"]
    assert cypher.names(tmp_path, internal=True) == ["customers-of-persona", "job"]
    write(tmp_path / "internal", "unflagged", GOOD.replace("customers-of-persona", "unflagged"))
    with pytest.raises(NamedQueryError, match="its header says '// audience: internal'"):
        load("unflagged", tmp_path)
    write(tmp_path, "stray", job.replace("name: job", "name: stray"))
    with pytest.raises(NamedQueryError, match="belongs in internal/stray.cypher"):
        load("stray", tmp_path)
    write(tmp_path, "job", job)
    load.cache_clear()
    with pytest.raises(NamedQueryError, match="job is defined twice"):
        load("job", tmp_path)
    write(tmp_path, "odd", GOOD.replace("customers-of-persona", "odd")
          .replace("// mode: read", "// mode: read\n// audience: everyone"))
    with pytest.raises(NamedQueryError, match="audience must be one of analyst, internal"):
        load("odd", tmp_path)


RULE = """// fragment: shows-at
// A customer shows a persona at t when the assignment s has weight > 0 and holds at t.
// arguments: s, t
s.weight > 0 AND (s.since IS NULL OR s.since <= t)
  AND (s.until IS NULL OR t < s.until)
"""
INTERNAL = """// name: members
// Who shows a persona.
// params:
//   persona: string
//   at: int
// mode: read
// audience: internal
MATCH (c:Customer)-[r:SHOWS]->(:Persona {code: $persona}) WHERE
  // include: shows-at(s=r, t=coalesce($at, timestamp()))
RETURN c.id AS id
"""


def fragments_in(tmp_path: Path) -> Path:
    for folder in ("internal", "fragments"):
        (tmp_path / folder).mkdir(exist_ok=True)
    (tmp_path / "fragments" / "shows-at.cypher").write_text(RULE)
    return tmp_path


def test_an_internal_query_includes_a_fragment_with_its_arguments_replaced(tmp_path: Path) -> None:
    write(fragments_in(tmp_path) / "internal", "members", INTERNAL)
    query = load("members", tmp_path)
    assert "  r.weight > 0 AND (r.since IS NULL OR r.since <= coalesce($at, timestamp()))\n" \
           "    AND (r.until IS NULL OR coalesce($at, timestamp()) < r.until)\nRETURN" in query.text
    assert "include" not in query.text and [p.name for p in query.params] == ["persona", "at"]


def test_a_parameter_a_fragment_brings_must_be_declared_and_a_bad_include_is_named(tmp_path: Path) -> None:
    fragments_in(tmp_path)
    write(tmp_path / "internal", "members", INTERNAL.replace("//   at: int\n", ""))
    with pytest.raises(NamedQueryError, match=r"shows-at.cypher:4 \(included at .*members.cypher:8\): \$at is used"):
        load("members", tmp_path)
    write(tmp_path / "internal", "wrong", INTERNAL.replace("members", "wrong").replace("s=r, ", ""))
    with pytest.raises(NamedQueryError, match="fragment shows-at takes s=…, t=…, not t"):
        load("wrong", tmp_path)
    write(tmp_path / "internal", "missing", INTERNAL.replace("members", "missing").replace("shows-at(", "shows(")),
    with pytest.raises(NamedQueryError, match="No fragment 'shows'"):
        load("missing", tmp_path)


def test_a_public_query_cannot_include_but_its_marked_copy_of_a_rule_is_checked(tmp_path: Path) -> None:
    fragments_in(tmp_path)
    public = INTERNAL.replace("// audience: internal\n", "")
    write(tmp_path, "members", public)
    with pytest.raises(NamedQueryError, match="cannot include fragments"):
        load("members", tmp_path)
    copy = public.replace("  // include: shows-at(s=r, t=coalesce($at, timestamp()))",
                          "  r.weight > 0 AND (r.since IS NULL OR r.since <= $at)  // rule: shows-at(s=r, t=$at)\n"
                          "  AND (r.until IS NULL OR $at < r.until)")
    write(tmp_path, "members", copy)
    assert load("members", tmp_path).name == "members"
    load.cache_clear()
    write(tmp_path, "members", copy.replace("r.weight > 0", "coalesce(r.weight, 1.0) > 0"))
    with pytest.raises(NamedQueryError, match="the copy of rule shows-at here is not its text"):
        load("members", tmp_path)


def test_a_code_parameter_names_the_node_it_refers_to(tmp_path: Path) -> None:
    write(tmp_path, "customers-of-persona", GOOD.replace("persona: string  ", "persona: Persona.code"))
    persona = load("customers-of-persona", tmp_path).params[0]
    assert (persona.name, persona.type, persona.refers_to, persona.required) == (
        "persona", "string", ("Persona", "code"), True)


def test_the_header_ends_at_the_first_blank_line(tmp_path: Path) -> None:
    text = GOOD.replace("MATCH (c:Customer)", "\n// a comment about the query, not its description\nMATCH (c:Customer)")
    write(tmp_path, "customers-of-persona", text)
    query = load("customers-of-persona", tmp_path)
    assert query.description == "Customers showing a persona, with the weight."
    assert query.text.startswith("// a comment about the query")


def test_a_bad_datetime_parameter_says_which_formats_work(tmp_path: Path) -> None:
    write(tmp_path, "customers-of-persona", GOOD)
    with pytest.raises(NamedQueryError, match=r"since='2024-13-01' is not a valid datetime: give epoch "
                                              r"milliseconds .* RFC 3339 time .*2024-05-01T10:00:00Z"):
        load("customers-of-persona", tmp_path).bind({"persona": "p", "since": "2024-13-01"})
