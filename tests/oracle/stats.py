"""The statistics of the questions, written out again from DESIGN.md for the oracle (it shares no code with the twin):
the Wilson 95% score interval (z = 1.959964), rates and lift."""

from __future__ import annotations

from math import sqrt

Z = 1.959964  # DESIGN.md: two-sided 95%


def wilson_interval(successes: int, trials: int) -> tuple[float, float]:
    """(low, high) of the Wilson score interval of successes / trials, clipped to [0, 1]; (0, 1) without trials."""
    if not 0 <= successes <= trials:
        raise ValueError(f"successes={successes}, trials={trials}: need 0 <= successes <= trials.")
    if trials == 0:
        return 0.0, 1.0
    p, n = successes / trials, trials
    scale = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / scale
    half = Z * sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / scale
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(part: int, whole: int) -> float | None:
    """part / whole; None for an empty group."""
    return part / whole if whole else None


def lift(rate_of_group: float, baseline: float | None) -> float | None:
    """rate / baseline; None when the baseline is 0 or None."""
    return rate_of_group / baseline if baseline else None
