"""The statistics behind the questions, as pure functions (no I/O): Wilson score interval, rates and lift.

The Cypher queries compute the same numbers in the graph; these functions are the reference the tests compare
them to, and what Python callers use when they shape rows themselves.
"""

from __future__ import annotations

from math import sqrt

Z_95 = 1.959964  # two-sided 95% normal quantile, as DESIGN.md fixes it


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of `successes / trials`; (0.0, 1.0) when there are no trials (nothing is known)."""
    if trials < 0 or successes < 0 or successes > trials:
        raise ValueError(f"successes={successes}, trials={trials}: need 0 <= successes <= trials.")
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = p + z2 / (2 * trials)
    half = z * sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    # float rounding can push the bounds a hair outside [0, 1] at p = 0 or 1
    return max(0.0, (centre - half) / denominator), min(1.0, (centre + half) / denominator)


def rate(part: int, whole: int) -> float | None:
    """`part / whole`, or None when the group is empty."""
    return part / whole if whole else None


def lift(rate_exposed: float, baseline: float | None) -> float | None:
    """How many times the exposed rate exceeds the baseline; None when the baseline is 0 or unknown."""
    return rate_exposed / baseline if baseline else None
