"""How well a score ranks leads that converted above leads that did not.

Every function takes plain sequences (scores as numbers, outcomes as 0/1) and returns plain
values or small dataclasses, so each can be checked by hand on a handful of leads.

Ties: a points model gives many leads the same score, so "the top 30%" often cuts through a
group of equal scores. We never break such ties by file order (that would make the figures depend
on how the export was sorted); a tied group at the cut counts with the share of it that falls
inside, i.e. the expected value under a random order of the tied leads.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

Z_95 = 1.959963984540054  # two-sided 95% normal quantile


@dataclass(frozen=True, slots=True)
class Rate:
    """`conversions` out of `leads`, with a 95% Wilson interval."""

    leads: int
    conversions: int
    rate: float
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class TopShare:
    fraction: float
    leads: int
    conversions: float  # expected, when the cut splits a tied group
    conversion: float  # conversion rate inside the top share
    recall: float  # share of all conversions captured by the top share


@dataclass(frozen=True, slots=True)
class Decile:
    decile: int  # 1 = the highest scores
    leads: int
    conversions: float
    conversion: float
    lift: float  # conversion of this decile / overall conversion
    cumulative_gain: float  # share of all conversions in deciles 1..this one (recall)
    cumulative_conversion: float  # conversion rate of deciles 1..this one (precision)


@dataclass(frozen=True, slots=True)
class CalibrationBand:
    low: float  # band edges on the score (low inclusive, high inclusive for the last band)
    high: float
    mean_score: float
    rate: Rate


@dataclass(frozen=True, slots=True)
class RuleStat:
    rule: str
    fired: int
    fire_rate: float
    with_rule: Rate
    without_rule: Rate

    @property
    def difference(self) -> float:
        return self.with_rule.rate - self.without_rule.rate

    @property
    def difference_interval(self) -> tuple[float, float]:
        return difference_interval(self.with_rule, self.without_rule)


def _arrays(scores: Sequence[float], outcomes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    s = np.asarray(scores, dtype=float)
    y = np.asarray(outcomes, dtype=int)
    if s.shape != y.shape or s.ndim != 1:
        raise ValueError("scores and outcomes must be two sequences of the same length")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("outcomes must be 0 or 1")
    return s, y


def wilson(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for a proportion (sound for small n and rates near 0 or 1)."""
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def rate(conversions: int, leads: int) -> Rate:
    low, high = wilson(conversions, leads)
    return Rate(leads, conversions, conversions / leads if leads else 0.0, low, high)


def difference_interval(a: Rate, b: Rate) -> tuple[float, float]:
    """A 95% interval for a.rate - b.rate from the two Wilson intervals (Newcombe's hybrid score
    method, "method 10" of Newcombe 1998, Statistics in Medicine 17:873): sound for small groups
    and rates near 0 or 1, where the plain normal interval is not."""
    d = a.rate - b.rate
    below = math.sqrt((a.rate - a.low) ** 2 + (b.high - b.rate) ** 2)
    above = math.sqrt((a.high - a.rate) ** 2 + (b.rate - b.low) ** 2)
    return (max(-1.0, d - below), min(1.0, d + above))


def auc_interval(scores: Sequence[float], outcomes: Sequence[int]) -> tuple[float, float]:
    """A 95% interval for the ROC AUC by DeLong's method (DeLong, DeLong and Clarke-Pearson 1988,
    Biometrics 44:837): the variance from each lead's share of pairs won, ties counting one half."""
    s, y = _arrays(scores, outcomes)
    pos, neg = np.sort(s[y == 1]), np.sort(s[y == 0])
    if len(pos) == 0 or len(neg) == 0:
        raise ValueError("ROC AUC needs both converted and unconverted leads")
    # A converter's share of non-converters below it, and a non-converter's of converters above.
    v10 = (np.searchsorted(neg, pos, "left") + np.searchsorted(neg, pos, "right")) / (2 * len(neg))
    v01 = 1 - (np.searchsorted(pos, neg, "left") + np.searchsorted(pos, neg, "right")) / (2 * len(pos))
    auc = float(v10.mean())
    variance = (v10.var(ddof=1) if len(pos) > 1 else 0.0) / len(pos) + (v01.var(ddof=1) if len(neg) > 1 else 0.0) / len(neg)
    half = Z_95 * math.sqrt(variance)
    return (max(0.0, auc - half), min(1.0, auc + half))


def roc_auc(scores: Sequence[float], outcomes: Sequence[int]) -> float:
    """P(a random converter scores above a random non-converter), ties counting one half."""
    s, y = _arrays(scores, outcomes)
    positives, negatives = int(y.sum()), int(len(y) - y.sum())
    if positives == 0 or negatives == 0:
        raise ValueError("ROC AUC needs both converted and unconverted leads")
    ranks = _average_ranks(s)
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, a tied group sharing the mean of the ranks it spans (vectorized: the
    paired bootstrap of `leadscore compare` ranks thousands of resamples)."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    return ((ends - counts + 1 + ends) / 2)[inverse]


def _groups_by_score(s: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct scores from the highest down, with the leads and conversions at each."""
    distinct, inverse = np.unique(-s, return_inverse=True)
    leads = np.bincount(inverse, minlength=len(distinct))
    conversions = np.bincount(inverse, weights=y, minlength=len(distinct))
    return -distinct, leads, conversions


def roc_curve(scores: Sequence[float], outcomes: Sequence[int]) -> tuple[list[float], list[float], list[float]]:
    """(false positive rates, true positive rates, thresholds) from the highest score down,
    starting at (0, 0): a lead is called positive when its score >= the threshold."""
    s, y = _arrays(scores, outcomes)
    thresholds, leads, conversions = _groups_by_score(s, y)
    tp = np.cumsum(conversions)
    fp = np.cumsum(leads) - tp
    positives, negatives = y.sum(), len(y) - y.sum()
    tpr = [0.0] + list(tp / positives if positives else tp)
    fpr = [0.0] + list(fp / negatives if negatives else fp)
    return fpr, tpr, [math.inf] + [float(t) for t in thresholds]


def precision_recall(scores: Sequence[float], outcomes: Sequence[int]) -> tuple[list[float], list[float], list[float], float]:
    """(precision, recall, thresholds, average precision) at each distinct score, highest first.

    Average precision = sum over thresholds of (recall step) x precision there: the area under
    the step-wise precision-recall curve (scikit-learn's definition, without interpolation).
    """
    s, y = _arrays(scores, outcomes)
    thresholds, leads, conversions = _groups_by_score(s, y)
    tp = np.cumsum(conversions)
    called = np.cumsum(leads)
    positives = y.sum()
    precision = tp / called
    recall = tp / positives if positives else np.zeros_like(tp)
    steps = np.diff(np.concatenate([[0.0], recall]))
    average = float((steps * precision).sum())
    return list(precision), list(recall), [float(t) for t in thresholds], average


def _expected_in_top(s: np.ndarray, y: np.ndarray, k: int) -> float:
    """Expected conversions among the k highest scores, a tied group at the cut counting pro rata."""
    if k <= 0:
        return 0.0
    _, leads, conversions = _groups_by_score(s, y)
    taken = 0
    total = 0.0
    for n, c in zip(leads, conversions):
        if taken + n <= k:
            taken += int(n)
            total += float(c)
        else:
            total += float(c) * (k - taken) / n
            break
    return total


def _cut(fraction: float, n: int) -> int:
    return int(math.floor(fraction * n + 0.5))


def top_share(scores: Sequence[float], outcomes: Sequence[int], fraction: float) -> TopShare:
    """Conversion rate of the top `fraction` of leads by score and the share of conversions there."""
    s, y = _arrays(scores, outcomes)
    k = _cut(fraction, len(s))
    got = _expected_in_top(s, y, k)
    positives = y.sum()
    return TopShare(fraction, k, got, got / k if k else 0.0, float(got / positives) if positives else 0.0)


def deciles(scores: Sequence[float], outcomes: Sequence[int]) -> list[Decile]:
    """Lift and cumulative gains by tenth of the leads, the highest scores first."""
    s, y = _arrays(scores, outcomes)
    n, positives = len(s), int(y.sum())
    overall = positives / n if n else 0.0
    cuts = [_cut(i / 10, n) for i in range(11)]
    expected = [_expected_in_top(s, y, k) for k in cuts]
    rows = []
    for i in range(1, 11):
        leads = cuts[i] - cuts[i - 1]
        got = expected[i] - expected[i - 1]
        conversion = got / leads if leads else 0.0
        rows.append(
            Decile(
                decile=i,
                leads=leads,
                conversions=got,
                conversion=conversion,
                lift=conversion / overall if overall else 0.0,
                cumulative_gain=expected[i] / positives if positives else 0.0,
                cumulative_conversion=expected[i] / cuts[i] if cuts[i] else 0.0,
            )
        )
    return rows


def conversion_by(groups: Sequence[Hashable], outcomes: Sequence[int]) -> dict[Hashable, Rate]:
    """Conversion rate (with a Wilson interval) of each group: a label, a grade cell."""
    leads: dict[Hashable, int] = {}
    conversions: dict[Hashable, int] = {}
    for group, outcome in zip(groups, outcomes, strict=True):
        leads[group] = leads.get(group, 0) + 1
        conversions[group] = conversions.get(group, 0) + int(outcome)
    return {g: rate(conversions[g], leads[g]) for g in leads}


def calibration(scores: Sequence[float], outcomes: Sequence[int], bands: int = 10) -> list[CalibrationBand]:
    """Conversion rate by equal-width band of the score, from the lowest band up: a well-made score
    converts more in every higher band. Empty bands are left out."""
    s, y = _arrays(scores, outcomes)
    if len(s) == 0:
        return []
    low, high = float(s.min()), float(s.max())
    width = (high - low) / bands if high > low else 1.0
    index = np.minimum(((s - low) / width).astype(int), bands - 1) if high > low else np.zeros(len(s), int)
    rows = []
    for b in range(bands):
        mask = index == b
        if not mask.any():
            continue
        rows.append(
            CalibrationBand(
                low=low + b * width,
                high=low + (b + 1) * width,
                mean_score=float(s[mask].mean()),
                rate=rate(int(y[mask].sum()), int(mask.sum())),
            )
        )
    return rows


def rule_stats(fired: Mapping[str, Sequence[bool]], outcomes: Sequence[int]) -> list[RuleStat]:
    """For each rule: how often it fired, and conversion with and without it (Wilson 95%)."""
    y = np.asarray(outcomes, dtype=int)
    n = len(y)
    rows = []
    for rule, flags in fired.items():
        mask = np.asarray(flags, dtype=bool)
        if mask.shape != y.shape:
            raise ValueError(f"rule {rule}: one flag per lead expected")
        hits = int(mask.sum())
        rows.append(
            RuleStat(
                rule=rule,
                fired=hits,
                fire_rate=hits / n if n else 0.0,
                with_rule=rate(int(y[mask].sum()), hits),
                without_rule=rate(int(y[~mask].sum()), n - hits),
            )
        )
    return rows
