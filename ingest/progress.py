"""The progress of `dtc ingest`: a bar over the bytes of the current file on a terminal, nothing elsewhere."""

from __future__ import annotations

import sys
from typing import Any, Protocol


class Progress(Protocol):
    def start(self, name: str, total: int | None) -> None: ...
    def advance(self, done: int) -> None: ...
    def stop(self) -> None: ...


class _NoProgress:
    def start(self, name: str, total: int | None) -> None:
        pass

    def advance(self, done: int) -> None:
        pass

    def stop(self) -> None:
        pass


class _RichProgress:
    """A rich progress bar over the bytes of the current file (only on a terminal)."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                             transient=True)
        self._bar.start()
        self._task: Any = None

    def start(self, name: str, total: int | None) -> None:
        if self._task is not None:
            self._bar.remove_task(self._task)
        self._task = self._bar.add_task(name, total=total)

    def advance(self, done: int) -> None:
        if self._task is not None:
            self._bar.update(self._task, completed=done)

    def stop(self) -> None:
        self._bar.stop()


def progress_for(quiet: bool) -> Progress:
    return _RichProgress() if not quiet and sys.stderr.isatty() else _NoProgress()
