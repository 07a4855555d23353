"""A `dtc ingest` or its embedded server killed with SIGKILL at random points, then run again, ends with the graph
of one clean run."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dtc_process import finish, start_dtc

DAY_MS = 86_400_000


def dtc(store: Path, *args: str, state: Path) -> subprocess.Popen[str]:
    return start_dtc("--store", f"embedded://{store}", *args,
                     env={"DTC_STATE_DIR": str(state), "DTC_IDENTITY_KEY": "resume-test"})


def stats(store: Path, state: Path) -> dict[str, Any]:
    done = finish(dtc(store, "stats", "--json", state=state))
    assert done.returncode == 0, done.stderr
    parsed: dict[str, Any] = json.loads(done.stdout)
    return parsed


def journeys(store: Path, state: Path) -> str:
    done = finish(dtc(store, "cypher", "query", "MATCH (j:Journey)-[r:INCLUDES]->(i:Interaction) "
                      "RETURN j.id AS j, r.seq AS seq, i.id AS i ORDER BY j, seq", "--json", state=state))
    assert done.returncode == 0, done.stderr
    return done.stdout


def write_events(path: Path, n: int) -> None:
    rng = random.Random(11)
    clock = {f"c{c}": rng.randrange(50) * DAY_MS for c in range(60)}
    lines = []
    for k in range(n):
        cid = rng.choice(list(clock))
        clock[cid] += rng.choice([3_600_000, 40 * DAY_MS])
        row: dict[str, Any] = {"event_id": f"e{k:05d}", "customer_id": cid, "ts": clock[cid], "channel": "web",
                               "touchpoint": rng.choice(["home", "cart", "help"]), "type": "view"}
        row["ts"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(row["ts"] / 1000))
        if k % 9 == 0:
            row["identities"] = {"email": f"{cid}@mail.org"}
        if k % 50 == 7:
            row["csat"] = 11  # a few rejects, so the rejects file is resumed too
        lines.append(json.dumps(row))
    if n > 100:  # some late events: out of time order
        lines[40], lines[n - 40] = lines[n - 40], lines[40]
    path.write_text("\n".join(lines) + "\n")


@dataclass(frozen=True)
class CleanRun:
    events: Path
    args: tuple[str, ...]
    stats: dict[str, Any]
    journeys: str


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> CleanRun:
    work = tmp_path_factory.mktemp("clean")
    events = work / "events.jsonl"
    write_events(events, 4000)
    args = ("ingest", "--quiet", "--batch-size", "150", str(events))
    store, state = work / "store", work / "state"
    done = finish(dtc(store, *args, "--rejects", str(work / "clean.rejects"), state=state))
    assert done.returncode == 3, done.stderr  # 3: a few rows were rejected, every valid one ingested
    expected = stats(store, state)
    assert expected["nodes"]["Interaction"] == 4000 - 80
    return CleanRun(events, args, expected, journeys(store, state))


def resume_after_kills(tmp_path: Path, clean: CleanRun, victims: list[str], seed: int) -> None:
    """Run the ingest and SIGKILL each victim ('ingest': its process group; 'server': the embedded redis-server;
    'both') once the run has committed a random share of what is left, so every kill lands mid-ingest whatever
    the machine's speed; then run it to its end: the graph is that of the clean run. An ingest whose server alone
    was killed starts it again and goes on to its end by itself."""
    store, state, rejects = tmp_path / "killed", tmp_path / "killed-state", tmp_path / "rejects.jsonl"
    rng = random.Random(seed)
    size = clean.events.stat().st_size
    for victim in victims:
        reached = committed(state)
        target = reached + rng.uniform(0.1, 0.6) * (size - reached)
        process = dtc(store, *clean.args, "--rejects", str(rejects), state=state)
        while process.poll() is None and committed(state) < target:
            time.sleep(0.01)
        assert process.poll() is None, finish(process).stderr  # the run is mid-way, as planned
        if victim in ("server", "both"):
            os.kill(json.loads((store / "server.json").read_text())["pid"], signal.SIGKILL)
        if victim in ("ingest", "both"):
            os.killpg(process.pid, signal.SIGKILL)
        done = finish(process)
        if victim == "server":  # started again by the ingest, which went on (3: the file's rejects)
            assert done.returncode == 3 and "Traceback" not in done.stderr, done.stderr
        else:
            assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
            assert committed(state) < size, "the kill landed before the end"
    done = finish(dtc(store, *clean.args, "--rejects", str(rejects), state=state))  # nothing left after a 'server'
    assert done.returncode == 3, done.stderr
    assert stats(store, state) == clean.stats
    assert journeys(store, state) == clean.journeys
    rejected = rejects.read_text().splitlines()
    assert len(rejected) == 80 and len({json.loads(r)["line"] for r in rejected}) == 80


def committed(state: Path) -> int:
    """The byte offset of the events file that the ingest's checkpoint vouches for (0 before the first batch)."""
    for checkpoint in (state / "checkpoints").glob("*.json"):
        return int(json.loads(checkpoint.read_text())["offset"])
    return 0


@pytest.mark.slow
def test_killed_ingests_resume_to_the_graph_of_a_clean_run(tmp_path: Path, clean_run: CleanRun) -> None:
    resume_after_kills(tmp_path, clean_run, ["ingest", "ingest", "ingest"], seed=4)


@pytest.mark.slow
def test_a_server_killed_mid_ingest_is_started_again_and_the_graph_is_that_of_a_clean_run(
        tmp_path: Path, clean_run: CleanRun) -> None:
    """Before 28 November 2026 (third session) an ingest whose server died stopped with one line, to be run again."""
    resume_after_kills(tmp_path, clean_run, ["both", "server"], seed=5)
