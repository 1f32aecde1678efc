"""The bounds every number in a model file must keep (docs/scoring-model.md, "Bounds").

They are far beyond any sensible model, and they are what makes scoring safe: with them no sum,
product or decay the engine computes can overflow, lose its meaning or become NaN or infinity
(points × events stay below 10**18 fixed-point units, far inside a float's range; a half-life is
long enough that its inverse is finite).
"""

from __future__ import annotations

POINTS = 10_000  # |points| of one fit rule or one event
TOTAL = 1_000_000  # |max_points|, |group caps|, |score bounds|, |thresholds and band minimums|
MAX_EVENTS = 10_000  # a rule's max_events
MIN_HALF_LIFE_DAYS = 0.01  # about a quarter of an hour
DAYS = 36_500  # half_life_days, max_age_days, step days and within_days: at most 100 years
EVENT_COUNT = 1_000_000_000  # the largest count one lead's event may carry (data, not model)
