"""Held-out validation of the fit: K folds, the whole fit redone on each training part.

On the same folds it scores the points model, the unrounded model it was rounded from (so the
cost of rounding is measured, not guessed), and any other learner or fixed scorer the caller
adds (the benchmark adds plain logistic regression, gradient boosting and the hand-made model).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sklearn.model_selection import StratifiedKFold

from connector.backtest import metrics
from connector.backtest.compact import Subset
from connector.backtest.fit import FitOptions, PointsTable, fit_model, scores
from connector.scoring.types import Lead

POINTS, UNROUNDED = "points model", "unrounded model"

# A learner gets the training matrix and outcomes and the test matrix, and returns test scores.
Learner = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
# A fixed scorer (no training) gets the test leads and their cutoffs and returns their scores.
Scorer = Callable[[Sequence[Lead], Sequence[datetime]], np.ndarray]


@dataclass(frozen=True)
class Later:
    """Leads scored at another moment than the folds' (the calibration's snapshot): for each,
    the index of the same lead among the folds' leads (its fold), the lead then, the moment."""

    indexes: Sequence[int]
    leads: Sequence[Lead]
    nows: Sequence[datetime]


@dataclass
class Validation:
    """Per learner, per figure, one value per fold."""

    folds: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    # The points model's score of each lead from the fold that held it out (calibration's input),
    # and of each `later` lead likewise (its fold is its lead's).
    held_out: np.ndarray = field(default_factory=lambda: np.zeros(0))
    later: np.ndarray = field(default_factory=lambda: np.zeros(0))
    fold_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # each lead's fold

    def add(self, learner: str, figure: str, value: float) -> None:
        self.folds.setdefault(learner, {}).setdefault(figure, []).append(float(value))

    def mean(self, learner: str, figure: str) -> float:
        values = [v for v in self.folds.get(learner, {}).get(figure, []) if not math.isnan(v)]
        return float(np.mean(values)) if values else math.nan

    @property
    def rounding_cost(self) -> float:
        """ROC AUC lost by rounding to whole points, on the same held-out folds."""
        return self.mean(UNROUNDED, "auc") - self.mean(POINTS, "auc")

    def summary_lines(self) -> list[str]:
        k = len(next(iter(self.folds.values()), {}).get("auc", []))
        lines = [f"Held-out ({k}-fold) ROC AUC: unrounded {self.mean(UNROUNDED, 'auc'):.3f}, in points {self.mean(POINTS, 'auc'):.3f} (rounding cost {self.rounding_cost:+.4f})."]
        others = [n for n in self.folds if n not in (POINTS, UNROUNDED)]
        if others:
            lines.append("On the same folds: " + ", ".join(f"{n} {self.mean(n, 'auc'):.3f}" for n in others) + ".")
        lines.append(
            f"Held-out top 30% by points: converts {self.mean(POINTS, 'top30_conversion'):.1%}, holds {self.mean(POINTS, 'top30_recall'):.1%} of conversions;"
            f" hot band: {self.mean(POINTS, 'hot_share'):.1%} of leads converting {self.mean(POINTS, 'hot_conversion'):.1%}."
        )
        return lines


def _ranking(result: Validation, name: str, scores: np.ndarray, y: np.ndarray) -> None:
    result.add(name, "auc", metrics.roc_auc(scores, y))
    top = metrics.top_share(scores, y, 0.3)
    result.add(name, "top30_conversion", top.conversion)
    result.add(name, "top30_recall", top.recall)


def cross_validate(
    leads: Sequence[Lead],
    nows: Sequence[datetime],
    outcomes: Sequence[int],
    options: FitOptions,
    learners: Mapping[str, Learner] | None = None,
    scorers: Mapping[str, Scorer] | None = None,
    later: Later | None = None,
) -> Validation:
    """The folds' figures; `later` are leads scored at another moment (the calibration's
    snapshot), each scored by the points model of the fold that holds its lead out."""
    y = np.asarray(outcomes, dtype=int)
    later = later or Later([], [], [])
    result = Validation(held_out=np.zeros(len(y)), later=np.zeros(len(later.indexes)), fold_of=np.zeros(len(y), dtype=int))
    fold_of = result.fold_of
    folds = StratifiedKFold(options.folds, shuffle=True, random_state=options.seed)
    for k, (train, test) in enumerate(folds.split(np.zeros(len(y)), y)):
        fold_of[test] = k
        table = _fold(result, leads, nows, y, train, test, options, learners, scorers)
        for j in np.flatnonzero(fold_of[np.asarray(later.indexes, dtype=int)] == k):
            lead, now = later.leads[j], later.nows[j]
            result.later[j] = table.fit_score(lead, now) + table.engagement_score(lead, now)
    return result


def _fold(result: Validation, leads: Sequence[Lead], nows: Sequence[datetime], y: np.ndarray, train: np.ndarray,
          test: np.ndarray, options: FitOptions, learners: Mapping[str, Learner] | None,
          scorers: Mapping[str, Scorer] | None) -> PointsTable:
    """One fold: the fit redone on `train`, its figures on `test` added to `result`."""
    train_leads, train_nows = Subset(leads, train), [nows[i] for i in train]
    test_leads, test_nows = Subset(leads, test), [nows[i] for i in test]
    fitted = fit_model(train_leads, train_nows, y[train], options)
    table = fitted.points
    x_test = table.candidates.matrix(test_leads, test_nows)
    fit, engagement = scores(table, test_leads, test_nows)
    result.held_out[test] = fit + engagement
    _ranking(result, POINTS, fit + engagement, y[test])
    _ranking(result, UNROUNDED, x_test @ fitted.weights, y[test])
    hot = fitted.labels[0]
    in_hot = (fit >= hot.min_fit) & (engagement >= hot.min_engagement)
    result.add(POINTS, "hot_share", in_hot.mean())
    result.add(POINTS, "hot_conversion", y[test][in_hot].mean() if in_hot.any() else math.nan)
    if learners:
        x_train = table.candidates.matrix(train_leads, train_nows)
        for name, learn in learners.items():
            _ranking(result, name, learn(x_train, y[train], x_test), y[test])
    for name, score in (scorers or {}).items():
        _ranking(result, name, score(test_leads, test_nows), y[test])
    return table
