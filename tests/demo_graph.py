"""The generated demo twin that several test modules read (the `demo_twin` fixture in conftest.py builds it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from graph.settings import Settings
from graph.store import GraphStore


@dataclass(frozen=True)
class DemoTwin:
    store: GraphStore
    settings: Settings
    data: Path  # the generated files (catalog.yaml, customers.jsonl, events.jsonl, truth.json)
