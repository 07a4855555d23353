"""A command's own peak RSS: VmHWM of its process, read from /proc while it runs; and its CPU time.

The peak RSS the kernel reports for a child (`getrusage(RUSAGE_CHILDREN)`, `wait4`) counts what the parent held when
it forked: a benchmark that built a million rows in memory made its `dtc ingest` look 250 MB larger than it was.
VmHWM belongs to the program the child runs (exec starts it afresh) and never decreases, so the last reading before
the process ends is its peak (to within the polling interval). The CPU time is the child's own (user + system, from
the kernel's count of the reaped child).
"""

from __future__ import annotations

import resource
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Measured:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float
    cpu_s: float


def run_measured(command: Sequence[str], env: Mapping[str, str], poll_s: float = 0.05) -> Measured:
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started, cpu_before = time.perf_counter(), _children_cpu_s()
        child = subprocess.Popen(list(command), stdout=out, stderr=err, env=dict(env))
        peak_kb = 0
        while child.poll() is None:
            peak_kb = max(peak_kb, _hwm_kb(child.pid))
            time.sleep(poll_s)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return Measured(child.returncode, out.read().strip(), err.read().strip(), seconds, peak_kb / 1024,
                        _children_cpu_s() - cpu_before)


def _children_cpu_s() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):  # gone between poll() and the read
        pass
    return 0
