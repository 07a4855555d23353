"""Every command in the README and docs/ runs as written.

Each fenced `sh` block (also `bash`, `shell`) runs with `bash -e` in a temporary project folder of its own: `dtc` on
the PATH, the default store `./.dtc` holding the demo twin (300 generated customers with the Sydney example, ingested
and enriched once, then copied for each block, so blocks cannot disturb each other), the files the docs name beside
it (`catalog.yaml`, `customers.jsonl`, `events.jsonl`, `more-events.csv.gz`, `events-2024-*.jsonl.gz`,
`exports/events.csv.gz`, `docs/examples/`, `api/`, a `.venv` link) and `../shared` for the real data.

A marker on the line before a block changes that:
    <!-- not-run: REASON -->   the block is not run (a server that runs until stopped, Docker, …); the reason is kept
    <!-- needs: server -->     `dtc serve` and `dtc worker` run in the folder first (what `make run` runs), and
                               `127.0.0.1:8000` in the block becomes the server's port
Every fenced block names its language (`sh` for commands, `text` for the rest), so no command hides untagged.
GraphQL examples (`graphql` blocks) are posted to the API over the same demo twin, in order, and must not fail.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from held_port import held_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
SHELL = ("sh", "bash", "shell")
FENCE = re.compile(r"^```(?P<lang>[\w-]*)[ \t]*\n(?P<body>.*?)^```[ \t]*$", re.S | re.M)
MARKER = re.compile(r"<!--\s*(?P<kind>not-run|needs):\s*(?P<value>.+?)\s*-->")
BLOCK_TIMEOUT_S = 600
pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int
    lang: str
    body: str
    marker: tuple[str, str] | None  # ("not-run", reason) or ("needs", "server")

    @property
    def name(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def blocks() -> list[Block]:
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            before = text[:m.start()].rstrip("\n").rsplit("\n", 1)[-1]
            marker = MARKER.search(before)
            found.append(Block(doc, text[:m.start()].count("\n") + 1, m["lang"], m["body"],
                               (marker["kind"], marker["value"]) if marker else None))
    return found


SHELL_BLOCKS = [b for b in blocks() if b.lang in SHELL]


def test_every_fenced_block_names_its_language_and_every_skip_says_why() -> None:
    untagged = [b.name for b in blocks() if not b.lang]
    assert untagged == [], "give these blocks a language (sh for commands, text for the rest)"
    for b in SHELL_BLOCKS:
        if b.marker and b.marker[0] == "needs":
            assert b.marker[1] == "server", f"{b.name}: the only need is 'server'"
        if b.marker and b.marker[0] == "not-run":
            assert len(b.marker[1]) > 10, f"{b.name}: say why the block cannot run"
    assert len([b for b in SHELL_BLOCKS if not b.marker or b.marker[0] == "needs"]) >= 10


# -- the demo project every block starts from ------------------------------------------------------------------
@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder with the demo twin in ./.dtc (ingested, enriched, its server stopped) and the docs' files."""
    folder = tmp_path_factory.mktemp("docs") / "project"
    folder.mkdir()
    for command in (["generate", "data", "--customers", "300", "--seed", "7"],
                    ["ingest", "--quiet", "--catalog", "data/catalog.yaml", "--customers", "data/customers.jsonl",
                     "data/events.jsonl"],
                    ["enrich"]):
        done = subprocess.run([str(BIN / "dtc"), *command], cwd=folder, env=environment(),
                              capture_output=True, text=True, timeout=BLOCK_TIMEOUT_S)
        assert done.returncode == 0, f"dtc {' '.join(command)}: {done.stderr}"
    stop_embedded_server(folder)
    data = folder / "data"
    for name in ("catalog.yaml", "customers.jsonl", "events.jsonl"):
        shutil.copy(data / name, folder / name)
    events = [json.loads(line) for line in (data / "events.jsonl").read_text().splitlines()]
    write_csv_gz(folder / "more-events.csv.gz", [{**e, "event_id": f"more-{e['event_id']}"} for e in events[:200]])
    (folder / "exports").mkdir()
    write_csv_gz(folder / "exports" / "events.csv.gz", [{**e, "event_id": f"x-{e['event_id']}"} for e in events[:50]])
    for month in ("01", "02"):
        with gzip.open(folder / f"events-2024-{month}.jsonl.gz", "wt", encoding="utf-8") as f:
            for e in events[:30]:
                f.write(json.dumps({**e, "event_id": f"m{month}-{e['event_id']}"}) + "\n")
    shutil.copytree(ROOT / "docs" / "examples", folder / "docs" / "examples")
    (folder / "api").mkdir()
    (folder / ".venv").symlink_to(BIN.parent)
    shared = ROOT.parent / "shared"
    if shared.exists():
        (folder.parent / "shared").symlink_to(shared)
    return folder


def environment() -> dict[str, str]:
    """This process's environment without DTC_* settings (the docs assume the defaults), `dtc` first on the PATH."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith("DTC_")}
    return {**keep, "PATH": f"{BIN}{os.pathsep}{keep.get('PATH', '')}", "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1"}


def write_csv_gz(path: Path, events: list[dict[str, object]]) -> None:
    plain = [e for e in events if "identities" not in e and "attributes" not in e]
    columns = sorted({k for e in plain for k in e})
    text = io.StringIO()
    writer = csv.DictWriter(text, columns)
    writer.writeheader()
    for e in plain:
        writer.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in e.items()})
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(text.getvalue())


def stop_embedded_server(folder: Path, timeout_s: float = 60.0) -> None:
    """Stop the server of `folder`'s ./.dtc now (it would idle for DTC_EMBEDDED_IDLE_S after the last command), so
    its files can be copied and no server outlives the test."""
    stopped = subprocess.run([str(BIN / "dtc"), "store", "stop"], cwd=folder, env=environment(),
                             capture_output=True, text=True, timeout=timeout_s)
    assert stopped.returncode == 0, stopped.stderr
    deadline = time.monotonic() + timeout_s
    while (folder / ".dtc" / "server.json").exists():
        assert time.monotonic() < deadline, f"the embedded server in {folder} did not stop"
        time.sleep(0.2)


@pytest.fixture
def project(template: Path, tmp_path: Path) -> Iterator[Path]:
    """A copy of the template project for one block (shared data reachable as ../shared); its server is stopped
    after the block."""
    folder = tmp_path / "project"
    shutil.copytree(template, folder, symlinks=True, ignore=shutil.ignore_patterns("server.json", "server.log"))
    if (template.parent / "shared").exists():
        (tmp_path / "shared").symlink_to((template.parent / "shared").resolve())
    yield folder
    if (folder / ".dtc").exists():
        stop_embedded_server(folder)


@contextmanager
def serving(folder: Path) -> Iterator[int]:
    """`dtc serve` on a free port in `folder`, with a `dtc worker` beside it, until the block is done; both ready
    before the block runs (a block that posts an event waits only 10 s for the worker to apply it)."""
    worker_log = folder.parent / "worker.log"
    with held_port() as port, worker_log.open("w") as worker_out:
        server = subprocess.Popen([str(BIN / "dtc"), "serve", "--port", str(port)], cwd=folder, env=environment(),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        worker = subprocess.Popen([str(BIN / "dtc"), "worker"], cwd=folder, env=environment(),
                                  stdout=worker_out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                assert server.poll() is None, f"dtc serve stopped: {server.stderr.read() if server.stderr else ''}"
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "dtc serve was not ready within 120 s"
                time.sleep(0.2)
            while ": reading " not in worker_log.read_text():
                assert worker.poll() is None, f"dtc worker stopped: {worker_log.read_text()}"
                assert time.monotonic() < deadline, "dtc worker was not reading the stream within 120 s"
                time.sleep(0.2)
            yield port
        finally:
            worker.send_signal(signal.SIGTERM)
            server.send_signal(signal.SIGTERM)
            server.communicate(timeout=60)
            worker.wait(timeout=60)


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=[b.name for b in SHELL_BLOCKS])
def test_the_block_runs_as_written(block: Block, project: Path) -> None:
    if block.marker and block.marker[0] == "not-run":
        pytest.skip(f"{block.name}: {block.marker[1]}")
    script = block.body
    with ExitStack() as stack:
        if block.marker == ("needs", "server"):
            port = stack.enter_context(serving(project))
            script = script.replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        ran = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=project, env=environment(),
                             capture_output=True, text=True, timeout=BLOCK_TIMEOUT_S)
    assert ran.returncode == 0, f"{block.name} failed ({ran.returncode}):\n{script}\n{ran.stdout[-2000:]}\n{ran.stderr}"
    assert "Traceback" not in ran.stderr
    if block.marker == ("needs", "server"):
        for line in ran.stdout.splitlines():  # JSON answers of curl: no GraphQL errors
            if line.startswith("{"):
                assert "errors" not in json.loads(line), line


# -- GraphQL examples -------------------------------------------------------------------------------------------
GRAPHQL_BLOCKS = [b for b in blocks() if b.lang == "graphql"]


def test_every_graphql_example_answers_without_errors(project: Path) -> None:
    """In document order (mutations included), against the demo twin served open by `dtc serve`."""
    assert len(GRAPHQL_BLOCKS) >= 10
    with serving(project) as port:
        for block in GRAPHQL_BLOCKS:
            if block.body.lstrip().startswith("subscription"):
                continue  # WebSocket only; tests/api covers the subscriptions
            answer = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": block.body}, timeout=120).json()
            assert not answer.get("errors"), f"{block.name}: {answer['errors']}"
