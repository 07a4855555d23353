"""Processes and file locks on this host, as the embedded server's keeper needs them (Linux /proc where it helps):
whether a pid is alive (a zombie is not), what it has open, its CPU time, who holds a lock, exclusive flocks and a
free port. Nothing here kills a process."""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def lock_held(path: Path) -> bool:
    """Is an flock held on `path` by any process (this one included, through another descriptor)?"""
    try:
        with open(path, "a+") as probe:
            try:
                fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            return False
    except FileNotFoundError:
        return False


def lock_holders(path: Path) -> list[int]:
    """Processes that have `path` open (Linux /proc; empty elsewhere)."""
    target = str(path)
    holders = []
    for entry in Path("/proc").glob("[0-9]*"):
        pid = int(entry.name)
        for fd in fds(pid):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    holders.append(pid)
                    break
            except OSError:
                continue
    return holders


def serves(pid: int, data_dir: Path) -> bool:
    """Is `pid` a live server of `data_dir`, judged by what it has open: its working directory (redis changes to
    --dir) or a file in the directory. Without /proc, a live pid is trusted."""
    if not process_alive(pid):
        return False
    if not Path("/proc/self").exists():  # pragma: no cover - not Linux
        return True
    inside = f"{data_dir}{os.sep}"
    try:
        if os.readlink(f"/proc/{pid}/cwd") == str(data_dir):
            return True
    except OSError:
        pass
    for fd in fds(pid):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(inside):
                return True
        except OSError:
            continue
    return False


def fds(pid: int) -> list[str]:
    try:
        return os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return []


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of `pid`, or None when unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def process_alive(pid: int) -> bool:
    reap(pid)
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


def reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def exclusive(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """An exclusive flock on `path` for the `with` block; yields False (not taken) when busy and not `wait`."""
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
