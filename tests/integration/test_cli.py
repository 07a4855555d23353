"""The `dtc` command line as a user runs it: JSON output, exit codes, one-line errors."""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

from dtc_process import run_dtc


def dtc(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_dtc(*args, cwd=cwd, timeout=120)


def test_stats_json_counts_what_was_written(tmp_path: Path) -> None:
    store = f"embedded://{tmp_path}/twin"
    written = dtc("--store", store, "cypher", "query", "CREATE (:Customer {id: $id})-[:PERFORMED]->"
                  "(:Interaction {id: 'e1', ts: 1})", "--param", "id=c1", "--write")
    assert written.returncode == 0, written.stderr
    result = dtc("--store", store, "stats", "--json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["nodes"]["Customer"] == 1
    assert stats["nodes"]["Interaction"] == 1
    assert stats["relationships"]["PERFORMED"] == 1


def test_adhoc_queries_are_read_only_unless_asked(tmp_path: Path) -> None:
    store = f"embedded://{tmp_path}/twin"
    refused = dtc("--store", store, "cypher", "query", "CREATE (:Customer {id: 'x'})")
    assert refused.returncode == 2
    assert refused.stderr.splitlines()[-1] == "dtc: error: This query writes; add --write to run it."
    rows = dtc("--store", store, "cypher", "query", "MATCH (c:Customer) RETURN count(c) AS n", "--json")
    assert json.loads(rows.stdout) == [{"n": 0}]


def test_an_unreachable_neo4j_url_is_one_line_naming_it() -> None:
    result = dtc("--store", "bolt://127.0.0.1:9", "stats", "--json")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "bolt://127.0.0.1:9" in lines[0]
    assert "Traceback" not in result.stderr


def test_an_unknown_store_scheme_is_a_clear_error() -> None:
    result = dtc("--store", "postgres://x", "stats")
    assert result.returncode == 1
    assert "embedded://DIR" in result.stderr


def test_a_bad_named_query_call_is_a_usage_error_before_touching_the_store(tmp_path: Path) -> None:
    result = dtc("--store", f"embedded://{tmp_path}/never", "cypher", "run", "no-such-query")
    assert result.returncode == 2
    assert "dtc cypher list" in result.stderr
    assert not (tmp_path / "never").exists()
    malformed = dtc("--store", f"embedded://{tmp_path}/never", "cypher", "query", "RETURN 1", "--param", "oops")
    assert malformed.returncode == 2


def test_cypher_list_describes_every_named_query() -> None:
    result = dtc("cypher", "list", "--json")
    assert result.returncode == 0, result.stderr
    for query in json.loads(result.stdout):
        assert query["description"] and query["mode"] in ("read", "write")


def test_stats_fingerprint_is_the_journey_fingerprint(tmp_path: Path, examples: Path) -> None:
    store = f"embedded://{tmp_path}/twin"
    loaded = dtc("--store", store, "ingest", "--quiet", str(examples / "events.jsonl"))
    assert loaded.returncode == 0, loaded.stderr
    result = dtc("--store", store, "stats", "--json", "--fingerprint")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)["fingerprint"]
    from graph.fingerprint import fingerprint
    from graph.settings import Settings
    from graph.store import open_store

    with open_store(Settings(graph_url=store)) as opened:
        assert printed == fingerprint(opened) and printed.startswith("sha256:")


def test_the_ingest_command_dtc_generate_prints_runs_as_printed(tmp_path: Path) -> None:
    generated = dtc("generate", "data", "--customers", "20", cwd=tmp_path)
    assert generated.returncode == 0, generated.stderr
    [command] = [line.removeprefix("ingest with: ") for line in generated.stdout.splitlines()
                 if line.startswith("ingest with: ")]
    argv = shlex.split(command)
    assert argv[:2] == ["dtc", "ingest"]
    ingested = dtc("--store", f"embedded://{tmp_path}/twin", *argv[1:], cwd=tmp_path)
    assert ingested.returncode == 0, ingested.stderr
    assert ingested.stdout.startswith("ingest: events read ")
