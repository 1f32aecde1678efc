"""Fixed-point points: every score is summed as integers in 1/10,000ths of a point, so the
sum is exact and independent of order, and rounded half up to whole points once."""

from __future__ import annotations

UNIT = 10_000
_HALF = UNIT // 2


def to_units(points: float) -> int:
    """Points → fixed-point units, rounded half up."""
    return int((points * UNIT + 0.5) // 1)


def to_points(units: int) -> int:
    """Fixed-point units → whole points, rounded half up."""
    return (units + _HALF) // UNIT
