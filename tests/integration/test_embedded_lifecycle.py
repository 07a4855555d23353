"""The embedded FalkorDB server: persistence across restarts, sharing between processes, recovery after a kill."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from dtc_process import finish, run_dtc, start_dtc

from graph.append_only_file import make_durable
from graph.embedded import server_status, start_or_attach
from graph.errors import StoreUnavailableError
from graph.processes import lock_holders, reap
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

    from graph.append_only_file import compact_if_grown

    with _store(tmp_path) as store:
        store.write("UNWIND range(1, 2000) AS i CREATE (:Customer {id: 'c' + toString(i)})")
        client = redis.Redis(host="127.0.0.1", port=store.port)  # type: ignore[attr-defined]
        before = client.info("persistence")
        compact_if_grown(store.port, grown_bytes=0)  # type: ignore[attr-defined]
        after = client.info("persistence")
        client.close()
        assert after["aof_base_size"] > before["aof_base_size"]
        assert after["aof_current_size"] == after["aof_base_size"], "the queries are folded into the snapshot"
    with _store(tmp_path) as store:
        assert store.read("MATCH (c:Customer) RETURN count(c) AS n") == [{"n": 2000}]


# -- always reopens, never twice ---------------------------------------------------------------------------------
def _servers_of(data_dir: Path) -> list[int]:
    """Every live redis-server whose working directory is `data_dir` (redis changes into its --dir)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            serves = os.readlink(entry / "cwd") == str(data_dir) and b"redis-server" in (entry / "cmdline").read_bytes()
            if serves and _alive(int(entry.name)):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@contextmanager
def _stopped(pid: int) -> Iterator[None]:
    """The process frozen (SIGSTOP) for the block: it neither answers nor makes progress, as a very busy server."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def test_a_server_too_busy_to_answer_is_never_taken_for_stale_nor_started_twice(tmp_path: Path) -> None:
    """redis rewrites its command line, so a check of /proc/PID/cmdline took a busy live server for a dead one and
    started a second server on the same directory (reproduced: pid 11140 beside 11106 after 2.1 s)."""
    first = start_or_attach(tmp_path)
    try:
        with _stopped(first.pid):
            with pytest.raises(StoreUnavailableError) as failed:
                start_or_attach(tmp_path, stall_s=2)
            assert _servers_of(tmp_path) == [first.pid], "no second server on the directory"
            assert _alive(first.pid), "the busy server is left running"
            busy = server_status(tmp_path)
            assert busy is not None and busy.pid == first.pid
            assert (busy.answering, busy.loading) == (False, False), "busy, not loading: it has nothing to load"
        message = str(failed.value)
        assert "\n" not in message and f"pid {first.pid}" in message and "left running" in message
        second = start_or_attach(tmp_path, stall_s=2)  # it answers again: the same server
        assert (second.pid, second.port, second.started_here) == (first.pid, first.port, False)
        second.release()
    finally:
        first.release()
    assert _servers_of(tmp_path) == []


def test_a_server_whose_starter_died_before_recording_its_pid_is_found_by_what_it_has_open(tmp_path: Path) -> None:
    first = start_or_attach(tmp_path)
    record = json.loads((tmp_path / "server.json").read_text())
    (tmp_path / "server.json").write_text(json.dumps({"pid": 0, "port": record["port"]}))
    second = start_or_attach(tmp_path)
    assert (second.pid, second.started_here) == (first.pid, False)
    assert json.loads((tmp_path / "server.json").read_text())["pid"] == first.pid
    second.release()
    first.release()
    assert not _alive(first.pid)


def test_a_server_loading_its_data_is_waited_for_while_it_makes_progress(tmp_path: Path) -> None:
    """A load longer than the stall limit succeeds as long as it progresses (the old open killed the loading
    server after 120 s, and the next open started over)."""
    _filled_store(tmp_path, queries=300, snapshot=False)
    loaded = start_or_attach(tmp_path, stall_s=1)
    try:
        client = redis.Redis(host="127.0.0.1", port=loaded.port)
        assert client.execute_command("GRAPH.RO_QUERY", "twin", "MATCH (f:Filler) RETURN count(f)")[1] == [[600_000]]
        client.close()
    finally:
        loaded.release()


def test_waiting_is_progress_on_a_terminal_and_silent_in_output_scripts_parse(tmp_path: Path) -> None:
    """Every `dtc` command against a stopped store printed a timestamped WARNING that the server was loading its
    data, on stderr, which broke scripts (and a test) that read stderr with stdout."""
    _filled_store(tmp_path, queries=300, snapshot=True)
    piped = run_dtc("--store", f"embedded://{tmp_path}", "stats", "--json")
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == ""
    assert json.loads(piped.stdout)["store"] == "falkordb"

    holder = start_or_attach(tmp_path)  # a server that does not answer for a while: the command waits
    try:
        with _stopped(holder.pid):
            terminal, attached = pty.openpty()
            process = start_dtc("--store", f"embedded://{tmp_path}", "stats", "--json", stderr=attached)
            os.close(attached)
            shown = _read_until(terminal, b"Waiting for the embedded store")
        done = finish(process)
        shown += _read_until(terminal, None)
        os.close(terminal)
    finally:
        holder.release()
    assert done.returncode == 0, shown
    assert json.loads(done.stdout)["store"] == "falkordb"
    assert b"not answering yet" in shown and b"WARNING" not in shown
    assert shown.endswith(b"\r\x1b[2K"), "the progress line is erased once the server answers"


def _filled_store(data_dir: Path, queries: int, *, snapshot: bool) -> None:
    """A stopped store holding `queries` writes of 2,000 nodes each: in its snapshot (loaded with progress), or
    logged after it with the server killed so that nothing compacts them (the next start replays them all)."""
    with _store(data_dir) as store:
        store.ensure_schema()
        for _ in range(queries):
            store.write("UNWIND range(1, 2000) AS i CREATE (:Filler {n: i})")
        if snapshot:
            assert store.compact(wait_s=120)
            return
        pid = json.loads((data_dir / "server.json").read_text())["pid"]
        # every write in the file before the kill: with appendfsync everysec redis holds its buffer back for up to
        # 2 s while an fsync runs, which a busy disk makes slow, so a fixed 1.1 s sleep could lose the last writes
        make_durable(store.port, None)  # type: ignore[attr-defined]
        os.kill(pid, signal.SIGKILL)
    assert not any(_alive(p) for p in _servers_of(data_dir))


def _read_until(fd: int, wanted: bytes | None, timeout_s: float = 120) -> bytes:
    """Read a pseudo-terminal until `wanted` shows (or, for None, until it closes)."""
    seen = b""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and (wanted is None or wanted not in seen):
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: every writer has closed it
            break
        if not chunk:
            break
        seen += chunk
    return seen


def test_a_new_schema_is_in_the_snapshot_so_a_restart_after_a_crash_replays_no_index_build(tmp_path: Path) -> None:
    """Replayed from the append-only file, the index builds ran behind the writes that followed them: a reopen after
    a SIGKILL mid-ingest took 94 s instead of 2.4 s (18k events) and the old open gave up and killed the server."""
    with _store(tmp_path) as store:
        store.ensure_schema()
        store.write("CREATE (:Customer {id: 'after-the-schema', created_ts: 1})")
        logged = b"".join(p.read_bytes() for p in (tmp_path / "aof").glob("*.incr.aof"))
    assert b"after-the-schema" in logged
    assert b"CREATE INDEX" not in logged and b"GRAPH.CONSTRAINT" not in logged


# -- consecutive commands share one server ----------------------------------------------------------------------
def test_consecutive_commands_share_a_server_that_stops_cleanly_after_its_idle_period(tmp_path: Path) -> None:
    store, idle = f"embedded://{tmp_path}", {"DTC_EMBEDDED_IDLE_S": "3"}
    written = run_dtc("--store", store, "cypher", "query", "CREATE (:Customer {id: 'kept', created_ts: 1})", "--write",
                      env=idle)
    assert written.returncode == 0, written.stderr
    pid = json.loads((tmp_path / "server.json").read_text())["pid"]
    assert _alive(pid), "the server stays up for the next command"
    counted = run_dtc("--store", store, "stats", "--json", env=idle)
    assert counted.returncode == 0, counted.stderr
    assert json.loads(counted.stdout)["nodes"]["Customer"] == 1
    assert json.loads((tmp_path / "server.json").read_text())["pid"] == pid, "the second command attached to it"
    status = run_dtc("--store", store, "store", "status", "--json", env=idle)
    assert json.loads(status.stdout) == {"pid": pid, "port": json.loads((tmp_path / "server.json").read_text())["port"],
                                         "inUse": False, "idleSeconds": 3.0, "loading": False,
                                         "answering": True}

    deadline = time.monotonic() + 120  # 3 s of idleness, then the watchdog stops it (generous: a busy machine)
    # the watchdog forgets the server (server.json) just after the process has gone: wait for both
    while (_alive(pid) or (tmp_path / "server.json").exists()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(pid), "the watchdog stopped the idle server"
    assert not (tmp_path / "server.json").exists()
    assert "User requested shutdown" in (tmp_path / "server.log").read_text(), "a clean stop, which flushes the file"
    with _store(tmp_path) as reopened:
        assert reopened.read("MATCH (c:Customer) RETURN c.id AS id") == [{"id": "kept"}]


def test_the_idle_period_counts_from_the_last_user_leaving_even_between_two_watchdog_polls(tmp_path: Path) -> None:
    """The watchdog counted the idle period from its own start and missed a use that came and went between two of
    its polls: a server used every second was stopped 3 s after the first command (a busy machine, where the
    watchdog's polls come late, made `dtc store status` find it gone). The use here happens while the watchdog is
    frozen, so it cannot see it happen; it must see that it happened."""
    idle_s = 6.0
    first = start_or_attach(tmp_path, idle_s=idle_s)
    first.release()  # the last user: the watchdog starts, and counts from now
    deadline = time.monotonic() + 120
    while not (watchers := [p for p in lock_holders(tmp_path / "watchdog.lock") if _alive(p)]):
        assert time.monotonic() < deadline, "the watchdog never started"
        time.sleep(0.05)
    with _stopped(watchers[0]):
        time.sleep(idle_s)  # its whole idle period passes unwatched
        start_or_attach(tmp_path, idle_s=idle_s).release()  # a short use, then idle again
    # the watchdog polls every idle_s / 10: by now it has looked several times (before, it stopped the server at its
    # first look); and the test, even running seconds late, is still well within the idle period of the last use
    time.sleep(idle_s / 3)
    assert _alive(first.pid), "stopped less than its idle period after its last user left"
    while _alive(first.pid) or (tmp_path / "server.json").exists():
        assert time.monotonic() < deadline + 120, "the watchdog never stopped the idle server"
        time.sleep(0.2)


def test_a_server_in_use_outlives_its_idle_period_and_dtc_store_stop_refuses_to_stop_it(tmp_path: Path) -> None:
    user = start_or_attach(tmp_path, idle_s=0.5)
    lingering = start_or_attach(tmp_path, idle_s=0.5)
    lingering.release()  # not the last user: nothing to do yet
    time.sleep(2)
    assert _alive(user.pid)
    refused = run_dtc("--store", f"embedded://{tmp_path}", "store", "stop")
    assert refused.returncode == 1 and "in use by another process" in refused.stderr
    user.release()  # the last user, with an idle period: the server stays up for now
    assert _alive(user.pid)
    stopped = run_dtc("--store", f"embedded://{tmp_path}", "store", "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert not _alive(user.pid)
    assert run_dtc("--store", f"embedded://{tmp_path}", "store", "status").stdout.startswith("not running")


# -- a failed compaction is not silent --------------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MB tmpfs mounted for the test (needs root, as CI has); skipped where it cannot be mounted."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root and mount(8)")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True,
                             text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount
    finally:
        for pid in _servers_of(mount / "store"):  # only if a test failed half-way
            os.kill(pid, signal.SIGTERM)
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_compaction_failed_on_a_full_disk_is_exit_4_with_one_line_and_the_data_stays_intact(
        small_disk: Path, tmp_path: Path, examples: Path) -> None:
    """On a full disk `dtc ingest` exited 0 while the server log recorded the failed rewrite."""
    from ingest.generator import generate

    generate(tmp_path / "gen", customers=500, seed=5, include_sydney=False)
    store, env = f"embedded://{small_disk / 'store'}", {"DTC_STATE_DIR": str(tmp_path / "state")}
    first = run_dtc("--store", store, "ingest", "--quiet", "--catalog", str(tmp_path / "gen" / "catalog.yaml"),
                    "--customers", str(tmp_path / "gen" / "customers.jsonl"), str(tmp_path / "gen" / "events.jsonl"),
                    env=env)
    assert first.returncode == 0, first.stderr
    # fill the disk but for 512 KB: enough for the next load's queries, not for a new 1.5 MB snapshot
    free = shutil.disk_usage(small_disk).free
    (small_disk / "filler").write_bytes(b"\0" * (free - 512 * 1024))

    second = run_dtc("--store", store, "ingest", "--quiet", "--catalog", str(examples / "catalog.yaml"),
                     "--customers", str(examples / "customers.jsonl"), str(examples / "events.jsonl"), env=env)
    assert second.returncode == 4, second.stdout + second.stderr
    assert second.stdout.startswith("ingest: events read 7, ingested 7")
    line = second.stderr.strip()
    assert "\n" not in line and "could not compact its append-only file" in line and "dtc store compact" in line
    assert "rewrite terminated with error" in (small_disk / "store" / "server.log").read_text()

    (small_disk / "filler").unlink()
    counted = run_dtc("--store", store, "stats", "--json", env=env)
    assert counted.returncode == 0, counted.stderr
    nodes = json.loads(counted.stdout)["nodes"]
    assert (nodes["Customer"], nodes["Interaction"]) == (502, 6056 + 7), "both loads are intact"
    compacted = run_dtc("--store", store, "store", "compact", env=env)
    assert compacted.returncode == 0, compacted.stderr


def _crash(data_dir: Path) -> int:
    """SIGKILL the server of `data_dir`, as a crash would (a FalkorDB SIGSEGV was seen once in a reader thread while a
    demo wrote); its pid, once it is gone."""
    pid = int(json.loads((data_dir / "server.json").read_text())["pid"])
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30  # reaped (this process started it): every thread gone, its files and port closed
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        reap(pid)
        time.sleep(0.02)
    assert not Path(f"/proc/{pid}").exists()
    return pid


def test_a_server_that_crashed_under_its_users_is_started_again_on_its_port_with_every_acknowledged_write(
        tmp_path: Path) -> None:
    """Before, a crashed server stayed down: every later call of every process using it failed (503s from the API,
    the worker retrying forever) until each was restarted by hand. redis writes its append-only file before it
    answers, so a write that was acknowledged is there after the restart."""
    with _store(tmp_path) as store, _store(tmp_path) as other:
        store.ensure_schema()
        store.write("CREATE (:Customer {id: 'kept', created_ts: 1})")
        port = store.port
        crashed = _crash(tmp_path)
        assert store.read("MATCH (c:Customer) RETURN c.id AS id") == [{"id": "kept"}]
        assert other.read("MATCH (c:Customer) RETURN c.id AS id") == [{"id": "kept"}], "the other user attaches"
        (server,) = _servers_of(tmp_path)
        assert server != crashed and (store.port, other.port) == (port, port), "its clients reconnect by themselves"
        other.write("CREATE (:Customer {id: 'after', created_ts: 2})")
    assert not _alive(server), "the last user stops the server it started again"
    with _store(tmp_path) as store:
        assert sorted(r["id"] for r in store.read("MATCH (c:Customer) RETURN c.id AS id")) == ["after", "kept"]


def test_a_crashed_server_whose_port_was_taken_meanwhile_is_started_on_another_and_its_users_follow(
        tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        store.write("CREATE (:Customer {id: 'kept', created_ts: 1})")
        port = store.port
        _crash(tmp_path)
        with socket.socket() as squatter:  # another program listening on the port
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            squatter.bind(("127.0.0.1", port))
            squatter.listen()
            assert store.recover()
            assert store.port != port
            assert store.read("MATCH (c:Customer) RETURN c.id AS id") == [{"id": "kept"}]
            assert store.redis_url() == f"redis://127.0.0.1:{store.port}/0", "the stream's clients connect there"


def test_the_stream_and_the_writers_lock_follow_a_crashed_server_to_another_port(tmp_path: Path) -> None:
    """The Redis beside the store (graph.store_redis): its commands and pipelines, as the first calls after the crash,
    start the server again and reconnect to the port it then has (here its old one was taken meanwhile)."""
    from graph.writer_lock import writer_lock
    from ingest.stream import EventStream

    settings = Settings(graph_url=f"embedded://{tmp_path}")
    with _store(tmp_path) as store:
        stream = EventStream.connect(store, settings)
        lock = writer_lock(store, settings)
        stream.append_records([("event", _event(1))])
        port = store.port
        _crash(tmp_path)
        with socket.socket() as squatter:
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            squatter.bind(("127.0.0.1", port))
            squatter.listen()
            assert stream.append_records([("event", _event(2))]), "a pipeline (MULTI) sent again after the restart"
            assert store.port != port
            assert stream.length() == 2, "the entry queued before the crash is kept"
            _crash(tmp_path)
            with lock.hold():  # plain commands
                assert lock.client.get(lock.lock_key) is not None


def test_a_call_that_failed_while_another_thread_started_the_server_again_is_sent_once_more(tmp_path: Path) -> None:
    """`dtc ingest` at load ~2 stopped with `unexpected ConnectionError ... Connection refused`: its writers' lock
    found the server dead while another thread was starting it again, so its own recover() found it alive and
    gave up. Here the other thread's start comes between the failure and the recovery, every time."""
    from graph.store_redis import RedisOfStore

    with _store(tmp_path) as store:
        store.ensure_schema()
        redis_of_store = RedisOfStore(store)
        _crash(tmp_path)
        calls: list[int] = []

        def send(client: redis.Redis) -> object:
            calls.append(1)
            if len(calls) == 1:  # refused by the dead server; meanwhile another user starts it again
                assert store.read("RETURN 1 AS one") == [{"one": 1}]
                raise redis.ConnectionError("Connection refused.")
            return client.ping()

        assert redis_of_store.sent(send) is True and len(calls) == 2


def _answers(port: int) -> bool:
    try:
        return bool(redis.Redis(port=port, socket_timeout=1, retry=None).ping())
    except redis.RedisError:
        return False


def _event(n: int) -> dict[str, object]:
    return {"event_id": f"e{n}", "customer_id": "sydney", "ts": f"2024-03-01T18:{n:02d}:00Z", "channel": "web",
            "touchpoint": "product_page", "type": "view"}


def test_intake_onto_the_stream_goes_on_after_the_server_crashed(tmp_path: Path) -> None:
    """POST /events on the embedded store (`dtc demo`, `dtc serve`): the first event after the crash is queued."""
    from ingest.doors import open_doors
    from ingest.stream import EventStream

    settings = Settings(graph_url=f"embedded://{tmp_path}")
    with open_store(settings) as store:
        store.ensure_schema()
        doors = open_doors(store, settings, timeout_s=10)
        assert doors.intake.accept([_event(1)]).accepted == 1
        _crash(tmp_path)
        assert doors.intake.accept([_event(2)]).accepted == 1
        assert EventStream.connect(store, settings).length() == 2, "the event queued before the crash is kept"


def test_the_stream_worker_starts_the_crashed_server_again_and_applies_what_follows(tmp_path: Path) -> None:
    """`dtc worker` blocks on the stream, the one call it makes when idle: before, it retried forever on a dead
    server."""
    from ingest.doors import open_doors
    from ingest.stream import WorkerThread

    settings = Settings(graph_url=f"embedded://{tmp_path}")
    with open_store(settings) as store:
        store.ensure_schema()
        worker = WorkerThread(store, settings, block_ms=50)
        worker.start()
        try:
            def applied() -> int:
                return int(store.read("MATCH (i:Interaction) RETURN count(i) AS n")[0]["n"])

            def wait_until(done: Callable[[], bool]) -> None:
                deadline = time.monotonic() + 120
                while not done():
                    assert worker.is_alive() and time.monotonic() < deadline, worker.failed
                    time.sleep(0.05)

            doors = open_doors(store, settings, timeout_s=10)
            assert doors.intake.accept([_event(1)]).accepted == 1
            wait_until(lambda: applied() == 1)
            crashed = _crash(tmp_path)
            wait_until(lambda: any(pid != crashed for pid in _servers_of(tmp_path)))  # only the worker calls it
            assert doors.intake.accept([_event(2)]).accepted == 1
            wait_until(lambda: applied() == 2)
        finally:
            worker.stop()
        assert worker.failed is None, worker.failed


def test_the_stream_worker_waits_out_a_crashed_server_that_will_not_start_again(tmp_path: Path) -> None:
    """A server that cannot start again (here its append-only manifest is garbled) never stops the worker: it retries
    with backoff, as for any lost store, and goes on once the server can start."""
    from ingest.stream import WorkerThread

    settings = Settings(graph_url=f"embedded://{tmp_path}")
    lines: list[str] = []
    with open_store(settings) as store:
        store.ensure_schema()
        worker = WorkerThread(store, settings, block_ms=50, log=lines.append)
        worker.start()
        try:
            manifest = tmp_path / "aof" / "twin.aof.manifest"
            kept = manifest.read_bytes()
            manifest.write_text("garbled\n")  # before the crash: the worker may start the server again at once
            _crash(tmp_path)
            deadline = time.monotonic() + 60
            while sum("retry" in line for line in lines) < 2:
                assert worker.is_alive() and time.monotonic() < deadline, (worker.failed, lines)
                time.sleep(0.05)
            manifest.write_bytes(kept)
            while not _answers(store.port):
                assert worker.is_alive() and time.monotonic() < deadline, (worker.failed, lines)
                time.sleep(0.05)
        finally:
            worker.stop()
        assert worker.failed is None, worker.failed


def test_a_live_subscription_listens_on_after_the_server_crashed(tmp_path: Path) -> None:
    """The API's subscriptions (the dashboard's live customer page): before, the first crash ended every one of them
    with a connection error, and nothing subscribed again."""
    import asyncio

    from ingest.doors import open_doors
    from ingest.stream import EventStream

    settings = Settings(graph_url=f"embedded://{tmp_path}")
    with open_store(settings) as store:
        doors = open_doors(store, settings)
        stream = EventStream.connect(store, settings)

        async def heard_after_the_crash() -> list[str]:
            heard: list[str] = []
            async with doors.live.listen() as interactions:
                async def listen() -> None:
                    async for interaction in interactions:
                        heard.append(interaction["id"])

                listener = asyncio.create_task(listen())
                await asyncio.sleep(0.2)
                stream.publish_applied([{"id": "before"}])
                await asyncio.sleep(0.2)
                await asyncio.to_thread(_crash, tmp_path)
                deadline = time.monotonic() + 60  # only the listener calls the server: it starts it again
                while not _answers(store.port) and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
                while "after" not in heard and time.monotonic() < deadline and not listener.done():
                    stream.publish_applied([{"id": "after"}])
                    await asyncio.sleep(0.2)
                listener.cancel()
                return heard

        heard = asyncio.run(heard_after_the_crash())
        assert heard[0] == "before" and "after" in heard, heard
