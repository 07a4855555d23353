"""Checkpoints: one small JSON file per (graph, input file) under `<state_dir>/checkpoints/`.

A checkpoint records the file's identity (absolute path, size, mtime) and the byte offset and line just after the
last batch whose graph write committed, plus the running counts. A re-run of an unchanged file resumes from there
(or skips it when it was finished); a changed file starts again from the top, and event_id dedupe makes that safe.
Files are replaced atomically (write to a temporary file, then rename), so a kill never leaves half a checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from graph.settings import Settings

CHECKPOINT_DIR = "checkpoints"


@dataclass
class Checkpoint:
    path: str
    size: int
    mtime_ns: int
    offset: int = 0
    line: int = 1  # the line the next row starts on
    done: bool = False
    last_event_id: str | None = None  # the newest event committed, to notice a graph that was wiped meanwhile
    counts: dict[str, int] = field(default_factory=dict)
    rejects_path: str | None = None
    rejects_size: int = 0  # bytes of the rejects file that belong to the committed part


class Checkpoints:
    """The checkpoints of one graph."""

    def __init__(self, settings: Settings) -> None:
        self.dir = settings.state_dir / CHECKPOINT_DIR
        self.graph = f"{settings.graph_url}#{settings.graph_name}"

    def _file(self, path: Path) -> Path:
        digest = hashlib.sha256(f"{self.graph}\n{path}".encode()).hexdigest()[:24]
        return self.dir / f"{digest}.json"

    def load(self, path: Path) -> Checkpoint | None:
        """The checkpoint of `path` if the file is unchanged since it was written, else None."""
        try:
            data: dict[str, Any] = json.loads(self._file(path).read_text(encoding="utf-8"))
            checkpoint = Checkpoint(**data)
            stat = path.stat()
        except (OSError, ValueError, TypeError):
            return None
        if checkpoint.size != stat.st_size or checkpoint.mtime_ns != stat.st_mtime_ns or checkpoint.path != str(path):
            return None
        return checkpoint

    def start(self, path: Path) -> Checkpoint:
        stat = path.stat()
        return Checkpoint(str(path), stat.st_size, stat.st_mtime_ns)

    def save(self, checkpoint: Checkpoint) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        target = self._file(Path(checkpoint.path))
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(asdict(checkpoint), sort_keys=True), encoding="utf-8")
        os.replace(temporary, target)

    def forget(self, path: Path) -> None:
        self._file(path).unlink(missing_ok=True)
