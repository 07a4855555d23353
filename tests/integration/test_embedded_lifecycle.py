"""The embedded FalkorDB server: persistence across restarts, sharing between processes, recovery after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from graph.embedded import start_or_attach
from graph.settings import Settings
from graph.store import open_store


def _store(data_dir: Path):  # type: ignore[no-untyped-def]
    return open_store(Settings(graph_url=f"embedded://{data_dir}"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def test_data_survives_stop_and_start(tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        store.ensure_schema()
        store.write("CREATE (:Customer {id: 'kept', created_ts: 1})")
        pid = json.loads((tmp_path / "server.json").read_text())["pid"]
    assert not _alive(pid), "the last user stops the server"
    assert not (tmp_path / "server.json").exists()
    with _store(tmp_path) as store:
        assert store.read("MATCH (c:Customer) RETURN c.id AS id") == [{"id": "kept"}]


def test_second_user_attaches_and_the_last_one_stops_the_server(tmp_path: Path) -> None:
    first = start_or_attach(tmp_path)
    second = start_or_attach(tmp_path)
    assert first.started_here and not second.started_here
    assert (first.pid, first.port) == (second.pid, second.port)
    first.release()
    assert _alive(second.pid), "still in use by the second user"
    second.release()
    assert not _alive(second.pid)


def test_a_killed_owner_leaves_nothing_that_blocks_the_next_start(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        from pathlib import Path
        from graph.settings import Settings
        from graph.store import open_store
        store = open_store(Settings(graph_url="embedded://{tmp_path}"))
        store.ensure_schema()
        store.write("CREATE (:Customer {{id: 'before-kill'}})")
        print("ready", flush=True)
        import time; time.sleep(600)
    """)
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None and owner.stdout.readline().strip() == "ready"
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    time.sleep(1.1)  # appendfsync everysec
    with _store(tmp_path) as store:  # adopts the orphan, and as its last user stops it
        assert store.read("MATCH (c:Customer) RETURN c.id AS id") == [{"id": "before-kill"}]
    assert not (tmp_path / "server.json").exists()


def test_a_stale_pid_file_is_detected_and_cleaned(tmp_path: Path) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    (tmp_path / "server.json").write_text(json.dumps({"pid": dead.pid, "port": 1}))
    with _store(tmp_path) as store:
        store.ensure_schema()
        record = json.loads((tmp_path / "server.json").read_text())
        assert record["pid"] != dead.pid
        assert store.read("RETURN 1 AS one") == [{"one": 1}]


def test_a_garbled_pid_file_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "server.json").write_text("not json")
    with _store(tmp_path) as store:
        assert store.read("RETURN 1 AS one") == [{"one": 1}]


def test_a_grown_append_only_file_is_rewritten_as_a_snapshot_before_stopping(tmp_path: Path) -> None:
    import redis

    from graph.embedded import _compact_if_grown

    with _store(tmp_path) as store:
        store.write("UNWIND range(1, 2000) AS i CREATE (:Customer {id: 'c' + toString(i)})")
        client = redis.Redis(host="127.0.0.1", port=store.port)  # type: ignore[attr-defined]
        before = client.info("persistence")
        _compact_if_grown(store.port, grown_bytes=0)  # type: ignore[attr-defined]
        after = client.info("persistence")
        client.close()
        assert after["aof_base_size"] > before["aof_base_size"]
        assert after["aof_current_size"] == after["aof_base_size"], "the queries are folded into the snapshot"
    with _store(tmp_path) as store:
        assert store.read("MATCH (c:Customer) RETURN count(c) AS n") == [{"n": 2000}]
