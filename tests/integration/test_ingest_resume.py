"""A `dtc ingest` killed with SIGKILL at random points, then run again, ends with the graph of one clean run."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

DAY_MS = 86_400_000


def dtc(store: Path, *args: str, state: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, DTC_STATE_DIR=str(state), DTC_IDENTITY_KEY="resume-test")
    return subprocess.Popen([sys.executable, "-m", "dtc.cli", "--store", f"embedded://{store}", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = process.communicate(timeout=300)
    return process.returncode, out + err


def stats(store: Path, state: Path) -> dict[str, Any]:
    code, out = finish(dtc(store, "stats", "--json", state=state))
    assert code == 0, out
    parsed: dict[str, Any] = json.loads(out)
    return parsed


def journeys(store: Path, state: Path) -> str:
    code, out = finish(dtc(store, "cypher", "query", "MATCH (j:Journey)-[r:INCLUDES]->(i:Interaction) "
                           "RETURN j.id AS j, r.seq AS seq, i.id AS i ORDER BY j, seq", "--json", state=state))
    assert code == 0, out
    return out


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


@pytest.mark.slow
def test_killed_ingests_resume_to_the_graph_of_a_clean_run(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    write_events(events, 4000)
    args = ("ingest", "--quiet", "--batch-size", "150", str(events))

    clean_store, clean_state = tmp_path / "clean", tmp_path / "clean-state"
    started = time.monotonic()
    code, out = finish(dtc(clean_store, *args, "--rejects", str(tmp_path / "clean.rejects"), state=clean_state))
    clean_s = time.monotonic() - started  # kills land inside a run however fast this machine is
    assert code == 3, out  # 3: a few rows were rejected, every valid one ingested
    expected = stats(clean_store, clean_state)
    assert expected["nodes"]["Interaction"] == 4000 - 80

    store, state = tmp_path / "killed", tmp_path / "killed-state"
    rng = random.Random(4)
    kills = 0
    for _ in range(3):
        process = dtc(store, *args, "--rejects", str(tmp_path / "rejects.jsonl"), state=state)
        time.sleep(rng.uniform(0.3, 0.9) * clean_s)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            kills += 1
        process.wait()
    code, out = finish(dtc(store, *args, "--rejects", str(tmp_path / "rejects.jsonl"), state=state))
    assert code == 3, out
    assert kills >= 1
    assert stats(store, state) == expected
    assert journeys(store, state) == journeys(clean_store, clean_state)
    rejected = (tmp_path / "rejects.jsonl").read_text().splitlines()
    assert len(rejected) == 80 and len({json.loads(r)["line"] for r in rejected}) == 80
