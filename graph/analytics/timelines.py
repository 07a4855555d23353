"""The questions read from the customers' Timelines (funnel, retention), and their way back to the scan on a twin
written before the Timelines existed (docs/ingest.md: `dtc verify --repair` builds them once)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from graph.store import GraphStore, Row

log = logging.getLogger("dtc.analytics")


def from_timelines(store: GraphStore, live: str, scan: str, params: Mapping[str, Any],
                   answered: Callable[[list[Row]], bool]) -> list[Row]:
    """The rows of the named query `live`; those of `scan` (same parameters, same rows) when `live` found nothing
    because the twin has interactions but no Timeline at all."""
    rows = store.run(live, params)
    if not answered(rows) and store.run("live-timelines-missing")[0]["missing"]:
        log.warning("%s: this twin has no customer Timelines yet, so it scans every interaction (slower, same "
                    "answer); run `dtc verify --repair` once to build them (docs/ingest.md).", scan)
        rows = store.run(scan, params)
    return rows
