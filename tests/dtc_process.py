"""Run `dtc` in a subprocess as a user or a script does. stdout and stderr are always kept apart: scripts parse
stdout, and stderr may carry a progress line or a warning on a busy machine, so a test never parses the two mixed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO

TIMEOUT_S = 300


def run_dtc(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None,
            timeout: float = TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    """`dtc ARGS…` to its end: returncode, stdout and stderr apart."""
    return finish(start_dtc(*args, env=env, cwd=cwd), timeout=timeout)


def start_dtc(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None,
              stderr: int | IO[str] | None = subprocess.PIPE,
              stdout: int | IO[str] | None = subprocess.PIPE) -> subprocess.Popen[str]:
    """`dtc ARGS…` started in its own session (so a test can SIGKILL its whole group); extra `env` on top of ours.
    A long-running command (`dtc demo`) writes to a file instead of a pipe nobody reads until it ends. SIGINT (Ctrl-C)
    reaches it as it would from a terminal, even when the suite itself runs in the background of a script, where the
    shell starts it with SIGINT ignored and every child would inherit that."""
    return subprocess.Popen([sys.executable, "-m", "dtc.cli", *args], stdout=stdout, stderr=stderr,
                            text=True, env={**os.environ, **(env or {})}, cwd=cwd, start_new_session=True,
                            preexec_fn=_interrupt_as_from_a_terminal)


def _interrupt_as_from_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def finish(process: subprocess.Popen[str], timeout: float = TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    out, err = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err or "")
