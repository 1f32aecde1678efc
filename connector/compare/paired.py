"""Two models' figures on the same leads, each with a 95% interval, and their difference with its
interval, from a paired bootstrap: each resample draws leads with replacement and scores the same
draw under both models, so what the leads have in common cancels out of the difference and only
the models' disagreement is left to judge. Seeded, so the same inputs give the same figures.

Every figure comes from the backtest's own metrics (`connector.backtest.metrics`); the bootstrap
only chooses which leads they see. Intervals are the 2.5th and 97.5th percentiles of the
resampled figures (the percentile bootstrap; Efron and Tibshirani, An Introduction to the
Bootstrap, 1993, ch. 13).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from connector.backtest import metrics
from connector.backtest.summary import TOP_SHARES

# (key, what it measures), in the order shown. Every figure is "higher is better".
FIGURES: tuple[tuple[str, str], ...] = (
    ("auc", "ROC AUC"),
    ("average_precision", "average precision"),
    *((f"top{round(f * 100)}_{kind}", f"top {round(f * 100)}% {kind}") for f in TOP_SHARES
      for kind in ("conversion", "recall")),
    ("hot_share", "hot band size (share of leads)"),
    ("hot_conversion", "hot band conversion"),
)
RANKING = "auc"  # the figure the verdict and --fail-if-worse judge: how well the model ranks


@dataclass(frozen=True, slots=True)
class Ranked:
    """One model's view of the leads: each lead's total score and whether it is in the hot band
    (the model's first label), in the order of the outcomes."""

    totals: np.ndarray
    hot: np.ndarray


@dataclass(frozen=True, slots=True)
class Interval:
    value: float | None  # None: the figure is undefined on these leads (e.g. no converter)
    low: float | None
    high: float | None


@dataclass(frozen=True, slots=True)
class Figure:
    key: str
    name: str
    baseline: Interval
    candidate: Interval
    difference: Interval  # candidate - baseline


def ranked(totals: Sequence[float], hot: Sequence[bool]) -> Ranked:
    return Ranked(np.asarray(totals, dtype=float), np.asarray(hot, dtype=bool))


def figures(model: Ranked, outcomes: np.ndarray) -> dict[str, float]:
    """Every figure of FIGURES for one model on these leads (NaN where undefined)."""
    converted = int(outcomes.sum())
    both = 0 < converted < len(outcomes)
    values = {
        "auc": metrics.roc_auc(model.totals, outcomes) if both else math.nan,
        "average_precision": metrics.precision_recall(model.totals, outcomes)[3] if converted else math.nan,
    }
    for fraction in TOP_SHARES:
        top = metrics.top_share(model.totals, outcomes, fraction)
        key = f"top{round(fraction * 100)}"
        values[f"{key}_conversion"] = top.conversion if top.leads else math.nan
        values[f"{key}_recall"] = top.recall if converted else math.nan
    hot = int(model.hot.sum())
    values["hot_share"] = hot / len(outcomes) if len(outcomes) else math.nan
    values["hot_conversion"] = float(outcomes[model.hot].mean()) if hot else math.nan
    return values


def _interval(value: float, draws: np.ndarray) -> Interval:
    known = draws[~np.isnan(draws)]
    if math.isnan(value) or len(known) == 0:
        return Interval(None if math.isnan(value) else value, None, None)
    low, high = np.percentile(known, [2.5, 97.5])
    return Interval(value, float(low), float(high))


def paired_bootstrap(outcomes: Sequence[int], baseline: Ranked, candidate: Ranked, *,
                     resamples: int = 1000, seed: int = 0) -> list[Figure]:
    """Both models' figures and the difference, each with its 95% percentile interval."""
    y = np.asarray(outcomes, dtype=int)
    if not len(y) == len(baseline.totals) == len(candidate.totals):
        raise ValueError("both models must score the same leads")
    rng = np.random.default_rng(seed)
    keys = [key for key, _ in FIGURES]
    draws = {side: np.empty((resamples, len(keys))) for side in ("baseline", "candidate")}
    for i in range(resamples):
        pick = rng.integers(0, len(y), len(y))
        for side, model in (("baseline", baseline), ("candidate", candidate)):
            values = figures(Ranked(model.totals[pick], model.hot[pick]), y[pick])
            draws[side][i] = [values[k] for k in keys]
    point_a, point_b = figures(baseline, y), figures(candidate, y)
    difference = draws["candidate"] - draws["baseline"]
    return [
        Figure(key, name, _interval(point_a[key], draws["baseline"][:, j]),
               _interval(point_b[key], draws["candidate"][:, j]),
               _interval(point_b[key] - point_a[key], difference[:, j]))
        for j, (key, name) in enumerate(FIGURES)
    ]


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: str  # "better", "worse" or "no difference"
    line: str


def verdict(figures_: Sequence[Figure]) -> Verdict:
    """Better or worse only when the ranking figure's difference interval leaves out zero."""
    auc = next(f for f in figures_ if f.key == RANKING)
    d = auc.difference
    if d.low is None or d.high is None or auc.baseline.value is None or auc.candidate.value is None:
        return Verdict("no difference", "no difference the data can show: the history needs both converted and unconverted leads")
    figures_text = (f"ROC AUC {auc.baseline.value:.3f} → {auc.candidate.value:.3f}, "
                    f"{d.value:+.3f}, 95% interval {d.low:+.3f} to {d.high:+.3f}")
    if d.low > 0:
        return Verdict("better", f"better: the new model ranks the leads that converted above the others more often ({figures_text})")
    if d.high < 0:
        return Verdict("worse", f"worse: the new model ranks the leads that converted above the others less often ({figures_text})")
    return Verdict("no difference", f"no difference the data can show ({figures_text}: the interval holds zero)")
