"""No personal data in logs: the CLI's commands run with --debug on test data holding a name, an email, a phone and
verbatims, and everything they log (and print on stderr) is searched for them."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_pii_in_queries import QUERIES, required_params

from dtc.cli import main
from graph.settings import Settings

PII = ["sydney@example.com", "Sydney", "+61 400 123 456", "400 123 456", "Alex",
       "did not suit me at all", "waited 40 minutes", "could see me the same day"]


def write_test_data(examples: Path, folder: Path) -> tuple[Path, Path]:
    """The Sydney example with a phone for Sydney, plus a malformed event that carries her email and phone."""
    folder.mkdir(parents=True, exist_ok=True)
    customers = folder / "customers.jsonl"
    rows = [json.loads(line) for line in (examples / "customers.jsonl").read_text().splitlines() if line]
    rows[0]["pii"]["phone"] = "+61 400 123 456"
    rows[0]["identities"]["phone"] = "+61 400 123 456"
    customers.write_text("".join(json.dumps(r) + "\n" for r in rows))
    events = folder / "events.jsonl"
    events.write_text((examples / "events.jsonl").read_text() + json.dumps(
        {"event_id": "e8", "identities": {"email": "sydney@example.com", "phone": "+61 400 123 456"},
         "ts": "2024-03-11T09:00:00Z", "channel": "web", "touchpoint": "checkout", "type": "feedback",
         "csat": 9, "text": "Sydney here, call me on +61 400 123 456"}) + "\n")
    return customers, events


def leaks(text: str) -> list[str]:
    return [p for p in PII if p in text]


def test_cli_commands_log_no_personal_data(store_settings: Settings, store_env: dict[str, str], examples: Path,
                                           tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                           capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    customers, events = write_test_data(examples, tmp_path / "in")
    for name, value in store_env.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)
    store = ["--debug", "--store", store_settings.graph_url]

    stderr = ""
    outputs: dict[str, str] = {}
    commands = [
        ["ingest", "--quiet", "--catalog", str(examples / "catalog.yaml"), "--customers", str(customers), str(events)],
        ["stats", "--json"],
        *(["cypher", "run", name, *(f"--param={k}={v if isinstance(v, str) else json.dumps(v)}"
                                    for k, v in required_params(name).items())] for name in QUERIES),
        ["consent", "sydney", "analytics", "refuse"],
        ["consent", "sydney", "--json"],
        ["export", "sydney"],
        ["erase", "sydney"],
        ["audit", "--json"],
    ]
    codes = []
    for argv in commands:
        codes.append(main([*store, *argv]))
        captured = capsys.readouterr()
        stderr += captured.err
        outputs[" ".join(argv[:3])] = captured.out

    assert codes[0] == 3 and set(codes[1:]) == {0}  # the malformed event was rejected, everything else ran
    assert "sydney@example.com" in outputs["export sydney"]  # the data was there to leak
    logged = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert len(caplog.records) > 0
    assert leaks(logged) == []
    assert leaks(stderr) == []
    assert leaks(outputs["audit --json"]) == [] and leaks(outputs["erase sydney"]) == []


def test_a_debug_ingest_subprocess_and_the_server_log_hold_no_personal_data(examples: Path, tmp_path: Path) -> None:
    customers, events = write_test_data(examples, tmp_path / "in")
    twin = tmp_path / "twin"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "DTC_GRAPH_URL": f"embedded://{twin}"}
    env.pop("DTC_IDENTITY_KEY", None)
    run = subprocess.run([sys.executable, "-m", "dtc.cli", "--debug", "ingest", "--catalog",
                          str(examples / "catalog.yaml"), "--customers", str(customers), str(events)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 3, run.stderr[-500:]
    assert leaks(run.stderr) == []
    assert leaks((twin / "server.log").read_text()) == []
    assert "sydney" not in (twin / "identity.key").read_text()
