"""The persona rule (DESIGN.md "Exact meaning of the key questions"): a customer shows persona P at time t when one of
its SHOWS assignments to P has a weight above 0 (a null weight does not count), since <= t (or no since) and t < until
(or no until). Assignments are history: a customer can be a trend-seeker until June and a loyal-pro after.

The rule's Cypher text is `cypher/fragments/shows-persona-at.cypher`: internal queries include it, the analysts'
queries copy it word for word (the loader checks each copy). These functions are the same rule for Python code.
"""

from __future__ import annotations


def counts(weight: float | None) -> bool:
    """Whether an assignment of this weight counts at all: above 0; a null weight does not."""
    return weight is not None and weight > 0


def shows_at(weight: float | None, since: int | None, until: int | None, t: int) -> bool:
    """Whether an assignment (weight, since, until; epoch ms, None for an open bound) holds at `t` (epoch ms)."""
    return counts(weight) and (since is None or since <= t) and (until is None or t < until)
