"""The questions the twin answers, one module per question; each runs a named query (reading the live state or
scanning the interactions, by its parameters: docs/cypher.md "Answers from the live state") and shapes its rows."""

from __future__ import annotations

from typing import Any


def float_or_none(value: Any) -> float | None:
    """A nullable number of a query's row as a float (an average over no value, a rate without a baseline)."""
    return None if value is None else float(value)
