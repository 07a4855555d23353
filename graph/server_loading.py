"""Waiting for an embedded server to answer with its data loaded (graph.embedded), for as long as it makes
progress: bytes loaded (INFO persistence), its read position in the append-only file, or its CPU time. On a terminal
the wait shows as one progress line on stderr; elsewhere it is silent."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from graph.append_only_file import NO_RETRY
from graph.errors import StoreUnavailableError
from graph.processes import cpu_seconds, fds, process_alive

log = logging.getLogger(__name__)
STALL_S = 60.0  # an open gives up on a server that made no progress for this long (and leaves it running)
PROBE_TIMEOUT_S = 1.0
_CPU_PROGRESS = 0.05  # a server not answering counts as working when it used this share of a CPU over the last second


@dataclass(frozen=True)
class Ready:
    aof_size: int | None
    replayed_bytes: int  # queries logged after the last snapshot, replayed by a load we waited for


@dataclass(frozen=True)
class ServerState:
    pid: int
    loading: bool
    loaded_bytes: int
    total_bytes: int
    aof_size: int
    aof_base_size: int


def wait_until_ready(data_dir: Path, pid: int, port: int, stall_s: float,
                      proc: subprocess.Popen[bytes] | None = None) -> Ready | None:
    """Wait until the server answers as `pid` with its data loaded; None when it exits first. Raises
    StoreUnavailableError after `stall_s` seconds without progress (the server keeps running)."""
    started = last_progress = time.monotonic()
    last_marks: tuple[int, ...] = ()
    last_cpu, last_cpu_at = cpu_seconds(pid), started
    waited_on_load = False
    percent: float | None = None
    with _TerminalLine() as line:
        while True:
            if proc is not None and proc.poll() is not None:
                return None
            if not process_alive(pid):
                return None
            state = probe(port)
            now = time.monotonic()
            if state is not None and state.pid == pid and not state.loading:
                replayed = state.aof_size - state.aof_base_size if waited_on_load else 0
                return Ready(state.aof_size, replayed)
            waited_on_load = True
            marks = (*_read_positions(pid, data_dir),) + ((state.loaded_bytes,) if state is not None else ())
            if state is not None and state.total_bytes:
                percent = 100.0 * state.loaded_bytes / state.total_bytes
            if marks != last_marks:
                last_progress, last_marks = now, marks
            if now - last_cpu_at >= 1.0:
                cpu = cpu_seconds(pid)
                if cpu is not None and last_cpu is not None and cpu - last_cpu >= _CPU_PROGRESS * (now - last_cpu_at):
                    last_progress = now
                last_cpu, last_cpu_at = cpu, now
            if now - last_progress >= stall_s:
                raise StoreUnavailableError(
                    f"embedded://{data_dir}",
                    f"the embedded FalkorDB server (pid {pid}) has neither answered nor made progress for "
                    f"{stall_s:.0f} s (loading its data?); it is left running: run the command again to keep "
                    f"waiting, or see {data_dir / 'server.log'}")
            if now - started >= 0.5:
                doing = "not answering yet" if state is None else "loading its data"
                done = f", {percent:.0f}%" if percent is not None else ""
                line.show(f"Waiting for the embedded store in {data_dir}: {doing}{done} ({now - started:.0f} s)")
            time.sleep(0.1)


def probe(port: int) -> ServerState | None:
    """What the server on `port` says about itself, or None when nothing answers in time."""
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=PROBE_TIMEOUT_S,
                         socket_timeout=PROBE_TIMEOUT_S, retry=NO_RETRY)
    try:
        info = client.info("server", "persistence")
        return ServerState(int(info["process_id"]), bool(int(info.get("loading", 0))),
                      int(info.get("loading_loaded_bytes", 0)), int(info.get("loading_total_bytes", 0)),
                      int(info.get("aof_current_size", 0)), int(info.get("aof_base_size", 0)))
    except (redis.RedisError, OSError, KeyError, ValueError):
        return None
    finally:
        client.close()


def _read_positions(pid: int, data_dir: Path) -> list[int]:
    """Offsets of the files under `data_dir` that `pid` has open: they move while it reads its append-only file."""
    positions = []
    for fd in fds(pid):
        try:
            if not os.readlink(f"/proc/{pid}/fd/{fd}").startswith(f"{data_dir}{os.sep}"):
                continue
            fdinfo = Path(f"/proc/{pid}/fdinfo/{fd}").read_text()
        except OSError:
            continue
        found = re.search(r"^pos:\s*(\d+)", fdinfo, re.MULTILINE)
        positions.append(int(found.group(1)) if found else 0)
    return positions


class _TerminalLine:
    """One line of progress on stderr, rewritten in place and erased at the end; only when stderr is a terminal."""

    def __init__(self) -> None:
        self.shown = False
        self.on_terminal = sys.stderr.isatty()

    def __enter__(self) -> _TerminalLine:
        return self

    def show(self, text: str) -> None:
        if self.on_terminal:
            sys.stderr.write(f"\r\x1b[2K{text}")
            sys.stderr.flush()
            self.shown = True
        elif not self.shown:
            log.info("%s", text)
            self.shown = True

    def __exit__(self, *exc: object) -> None:
        if self.shown and self.on_terminal:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()
