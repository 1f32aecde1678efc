"""Learn points from outcomes: regularised logistic regression on candidate rules, turned into an
integer points table with label thresholds and grade bands taken from the data.

The learned log-odds are put on a points scale (`scale` points per unit of log-odds) so that the
best possible lead gets about `max_points`; each group's cases are shifted so that its weakest case
gets 0 (a constant shift for every lead, which changes no ranking), so the fit score never drops
below zero. Rounding to whole points costs a little; `connector.backtest.validation` measures how
much on the same held-out folds as the unrounded model.
"""

from __future__ import annotations

import math
import warnings as _warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from connector.backtest import metrics
from connector.backtest.candidates import MIN_SUPPORT, Candidates, EventCount, Group, NumberGroup, derive
from connector.errors import UserError
from connector.scoring.types import Lead
from connector.scoring.values import as_number, as_text

C_GRID = np.logspace(-2.5, 0.5, 7)  # inverse regularisation strengths tried by inner CV (weakest last)
TOL = 1e-3  # liblinear stopping tolerance: 5-10x faster than 1e-4, the same held-out AUC
MIN_BAND = 0.01  # a label band must hold at least this share of the leads (and 20 of them)


@dataclass(frozen=True, slots=True)
class FitOptions:
    hot_target: float = 0.8  # "hot" = the largest band converting at least this
    hot_share: float | None = None  # or: the band of at most this share of leads holding the most conversions
    warm_target: float | None = None  # "warm" band's conversion; default: the overall rate
    max_points: int = 100  # the best possible lead scores about this (fit + engagement)
    folds: int = 5
    seed: int = 0


@dataclass(frozen=True, slots=True)
class PointsTable:
    """Whole points for every case of every group (>= 0) and per event of every capped count."""

    candidates: Candidates
    group_points: tuple[tuple[int, ...], ...]
    count_points: tuple[int, ...]
    scale: float  # points per unit of log-odds

    def fit_score(self, lead: Lead, now: datetime) -> int:
        return sum(p[g.case_of(lead, now)] for g, p in zip(self.candidates.groups, self.group_points))

    def engagement_score(self, lead: Lead, now: datetime) -> int:
        """The events' points, never below 0 (the model file's engagement minimum): a lead whose
        negative events outweigh the rest scores 0, as one with no event does."""
        return max(0, sum(p * c.value(lead, now) for c, p in zip(self.candidates.counts, self.count_points)))

    @property
    def fit_range(self) -> tuple[int, int]:
        return 0, sum(max(p) for p in self.group_points)

    @property
    def engagement_range(self) -> tuple[int, int]:
        return 0, sum(max(0, p * c.cap) for c, p in zip(self.candidates.counts, self.count_points))


@dataclass(frozen=True, slots=True)
class Band:
    name: str
    min_fit: int
    min_engagement: int
    leads: int
    conversion: float


@dataclass(frozen=True, slots=True)
class FittedModel:
    points: PointsTable
    labels: tuple[Band, ...]  # hot, warm (each may be absent); "cold" is the rest
    fit_bands: tuple[int, ...]  # minimums of grades A.. (descending, the last is the lowest score)
    engagement_bands: tuple[int, ...]
    c: float  # the regularisation strength chosen by inner cross-validation
    weights: np.ndarray  # the unrounded log-odds per feature, for the rounding-cost comparison
    notes: tuple[str, ...] = ()


def _l1(c: float) -> LogisticRegression:
    """liblinear shuffles the data in its coordinate descent: a fixed random_state makes the same
    leads give the same model file on every run (unseeded, the points and the calibration table
    moved from run to run)."""
    return LogisticRegression(C=c, l1_ratio=1.0, solver="liblinear", intercept_scaling=10.0, tol=TOL,
                              max_iter=500, random_state=0)


def choose_strength(x: np.ndarray, y: np.ndarray, seed: int) -> float:
    """The strongest regularisation (fewest rules) whose inner 5-fold ROC AUC is within one
    standard error of the best: as good as the best on this data, with fewer rules to read and
    less rounding noise (the "one standard error" rule of glmnet and ESL 7.10)."""
    folds = list(StratifiedKFold(5, shuffle=True, random_state=seed).split(x, y))
    means, errors = [], []
    for c in C_GRID:
        aucs = [metrics.roc_auc(_l1(c).fit(x[train], y[train]).decision_function(x[test]), y[test]) for train, test in folds]
        means.append(np.mean(aucs))
        errors.append(np.std(aucs, ddof=1) / np.sqrt(len(aucs)))
    best = int(np.argmax(means))
    return float(next(c for c, m in zip(C_GRID, means) if m >= means[best] - errors[best]))


def learn_weights(x: np.ndarray, y: np.ndarray, seed: int, c: float | None = None) -> tuple[np.ndarray, float]:
    """L1-regularised logistic regression, its strength chosen by `choose_strength` unless given.

    Returns the coefficients (log-odds per unit of each feature) and the strength used.
    """
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore", ConvergenceWarning)
        if c is None:
            c = choose_strength(x, y, seed)
        return _l1(c).fit(x, y).coef_[0], c


def to_points(candidates: Candidates, weights: np.ndarray, max_points: int, support: np.ndarray | None = None) -> PointsTable:
    """Shift each group so its weakest case is 0, scale so the best lead gets about `max_points`,
    and round: a group's cases are rounded as wholes, so a lead's error is at most half a point
    per group. A case no lead had (`support` 0) gets 0: nothing in the data says otherwise."""
    seen = np.ones(len(weights), bool) if support is None else np.asarray(support) > 0
    shifted: list[np.ndarray] = []
    column = 0
    for group in candidates.groups:
        beta = weights[column : column + len(group.cases)]
        mask = seen[column : column + len(group.cases)]
        shifted.append(np.where(mask, beta - beta[mask].min(), 0.0) if mask.any() else np.zeros(len(beta)))
        column += len(group.cases)
    per_event = weights[column:]
    span = sum(float(s.max()) for s in shifted) + sum(max(0.0, b * c.cap) for b, c in zip(per_event, candidates.counts))
    scale = max_points / span if span > 0 else 1.0
    return PointsTable(
        candidates=candidates,
        group_points=tuple(tuple(int(v) for v in np.floor(s * scale + 0.5)) for s in shifted),
        count_points=tuple(int(v) for v in np.floor(per_event * scale + 0.5)),
        scale=scale,
    )


def scores(points: PointsTable, leads: Sequence[Lead], nows: Sequence[datetime]) -> tuple[np.ndarray, np.ndarray]:
    """Every lead's fit and engagement score by the points table, in one pass over the leads."""
    pairs = [(points.fit_score(lead, now), points.engagement_score(lead, now)) for lead, now in zip(leads, nows)]
    return np.array([f for f, _ in pairs], dtype=int), np.array([e for _, e in pairs], dtype=int)


def _band_table(fit: np.ndarray, engagement: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Leads and conversions with fit >= f and engagement >= e, for every pair of seen values."""
    fs, fi = np.unique(fit, return_inverse=True)
    es, ei = np.unique(engagement, return_inverse=True)
    leads = np.zeros((len(fs), len(es)))
    wins = np.zeros((len(fs), len(es)))
    np.add.at(leads, (fi, ei), 1)
    np.add.at(wins, (fi, ei), y)
    return fs, es, _at_least(leads), _at_least(wins)


def _at_least(table: np.ndarray) -> np.ndarray:
    """Cell (i, j) becomes the sum of all cells (>= i, >= j)."""
    return table[::-1, ::-1].cumsum(0).cumsum(1)[::-1, ::-1]


def _wilson_low(wins: np.ndarray, leads: np.ndarray) -> np.ndarray:
    low = np.vectorize(lambda w, n: metrics.wilson(int(w), int(n))[0] if n else 0.0, otypes=[float])
    return low(wins, leads)


def choose_labels(fit: np.ndarray, engagement: np.ndarray, y: np.ndarray, options: FitOptions) -> tuple[tuple[Band, ...], list[str]]:
    """The hot band: the largest "fit >= f and engagement >= e" sure to convert at least the target;
    warm: the largest band around it whose leads outside hot convert at least the warm target."""
    notes: list[str] = []
    fs, es, leads, wins = _band_table(fit, engagement, y)
    least = max(20, math.ceil(MIN_BAND * len(y)))
    with np.errstate(invalid="ignore", divide="ignore"):
        conversion = np.where(leads > 0, wins / leads, 0.0)
    big = leads >= least
    # The band must reach the target with 95% confidence (Wilson lower bound), not just on
    # this sample: a band picked at exactly 80% here converts a little less on new leads.
    ok = big & (_wilson_low(wins, leads) >= options.hot_target)
    if options.hot_share is not None:
        i, j = _within_capacity(leads, wins, options.hot_share)
    elif ok.any():
        i, j = np.unravel_index(np.argmax(np.where(ok, leads, -1)), leads.shape)
    else:
        i, j = np.unravel_index(np.argmax(np.where(big, conversion, -1)), leads.shape)
        notes.append(f"no band of at least {least} leads converts {options.hot_target:.0%}; hot is the best band, converting {conversion[i, j]:.1%}")
    hot = Band("hot", int(fs[i]), int(es[j]), int(leads[i, j]), float(conversion[i, j]))
    warm_target = options.warm_target if options.warm_target is not None else float(y.mean())
    outside = leads - leads[i, j]
    with np.errstate(invalid="ignore", divide="ignore"):
        warm_rate = np.where(outside > 0, (wins - wins[i, j]) / np.maximum(outside, 1), 0.0)
    within = np.zeros_like(ok)
    within[: i + 1, : j + 1] = True
    warm_ok = within & (outside >= least) & (warm_rate >= warm_target)
    if not warm_ok.any():
        notes.append(f"no band outside hot converts the warm target {warm_target:.0%}; no warm label")
        return (hot,), notes
    wi, wj = np.unravel_index(np.argmax(np.where(warm_ok, outside, -1)), leads.shape)
    warm = Band("warm", int(fs[wi]), int(es[wj]), int(outside[wi, wj]), float(warm_rate[wi, wj]))
    return (hot, warm), notes


def _within_capacity(leads: np.ndarray, wins: np.ndarray, share: float) -> tuple[int, int]:
    """The band of at most `share` of the leads (sales' capacity) holding the most conversions;
    of equals, the smaller band (the better converting)."""
    capacity = max(1, math.floor(share * leads[0, 0] + 0.5))
    fits = leads <= capacity
    if not fits.any():
        i, j = np.unravel_index(np.argmin(leads), leads.shape)
        return int(i), int(j)
    key = np.where(fits, wins * (leads[0, 0] + 1) - leads, -np.inf)
    i, j = np.unravel_index(np.argmax(key), leads.shape)
    return int(i), int(j)


def choose_bands(scores: np.ndarray, low: int) -> tuple[int, ...]:
    """Grade band minimums at the quartiles of the scores (A = the top quarter), distinct, the last
    at the lowest possible score."""
    edges = sorted({int(q) for q in np.quantile(scores, (0.75, 0.5, 0.25), method="higher")} - {low}, reverse=True)
    return (*[e for e in edges if e > low], low)


def _windowed_penalties(candidates: Candidates, weights: np.ndarray) -> set[EventCount]:
    per_event = weights[candidates.width - len(candidates.counts):]
    return {k for k, w in zip(candidates.counts, per_event) if k.window_days is not None and w < 0}


def _rare_cases(candidates: Candidates, x: np.ndarray) -> np.ndarray:
    """The columns of group cases fewer than MIN_SUPPORT leads (or 0.5% of them) had."""
    support = max(MIN_SUPPORT, math.ceil(0.005 * len(x)))
    rare = x.sum(0) < support
    rare[sum(len(g.cases) for g in candidates.groups) :] = False  # event counts were chosen with support
    return rare


def _numbers(leads: Sequence[Lead], properties: Sequence[str]) -> dict[str, list[float]]:
    """Each property's values that read as numbers, from one pass over the leads."""
    out: dict[str, list[float]] = {name: [] for name in properties}
    for lead in leads:
        for name, found in out.items():
            text = as_text(lead.properties.get(name))
            number = as_number(text) if text else None
            if number is not None:
                found.append(number)
    return out


def _anchor_numbers(candidates: Candidates, weights: np.ndarray, x: np.ndarray, leads: Sequence[Lead]) -> Candidates:
    """Count each number group's rules from its weakest bin, so no rule fires on every lead that
    has a number (the lowest bin's points would otherwise go to every such lead: an intercept)."""
    numbers = _numbers(leads, [g.property for g in candidates.groups if isinstance(g, NumberGroup)])
    groups, column = [], 0
    for group in candidates.groups:
        if isinstance(group, NumberGroup):
            bins = weights[column + 1 : column + len(group.cases)]
            seen = x[:, column + 1 : column + len(group.cases)].sum(0) > 0
            anchor = int(np.argmin(np.where(seen, bins, np.inf)))
            group = group.anchored(anchor, numbers[group.property])
        groups.append(group)
        column += len(group.cases)
    return Candidates(tuple(groups), candidates.counts)


def fit_model(leads: Sequence[Lead], nows: Sequence[datetime], outcomes: Sequence[int], options: FitOptions, c: float | None = None) -> FittedModel:
    """Derive candidates, learn weights, round to points, choose labels and grade bands."""
    y = np.asarray(outcomes, dtype=int)
    candidates = derive(leads, nows)
    if candidates.width == 0:
        raise UserError("fit: no property or event varies between the leads; fix: map more columns in the mapping file.")
    x = candidates.matrix(leads, nows)
    # A case of a few leads learns nothing: its weight stays 0, the group's usual level.
    weights, c = learn_weights(np.where(_rare_cases(candidates, x), 0.0, x), y, options.seed, c)
    while penalties := _windowed_penalties(candidates, weights):
        # The core cannot write "minus points for events in the last N days" (a penalty that
        # fades would raise the score as time passes): such counts leave, and the rest is refit.
        candidates = Candidates(candidates.groups, tuple(k for k in candidates.counts if k not in penalties))
        x = candidates.matrix(leads, nows)
        weights, c = learn_weights(np.where(_rare_cases(candidates, x), 0.0, x), y, options.seed, c)
    candidates = _anchor_numbers(candidates, weights, x, leads)
    points = to_points(candidates, weights, options.max_points, candidates.matrix(leads, nows).sum(0))
    fit, engagement = scores(points, leads, nows)
    labels, notes = choose_labels(fit, engagement, y, options)
    return FittedModel(
        points=points,
        labels=labels,
        fit_bands=choose_bands(fit, points.fit_range[0]),
        engagement_bands=choose_bands(engagement, points.engagement_range[0]),
        c=c,
        weights=weights,
        notes=tuple(notes),
    )


__all__ = ["Band", "EventCount", "FitOptions", "FittedModel", "Group", "PointsTable", "fit_model"]
