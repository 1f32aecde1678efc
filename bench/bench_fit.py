#!/usr/bin/env python3
"""Benchmark the fit on the public X Education export: K-fold cross-validation, post-contact
columns left out (config/xeducation_mapping.toml).

On the same held-out folds it prints, for
- the learned points model (the fit redone on each training part, rounded to whole points),
- the unrounded model it was rounded from (the difference is the cost of rounding),
- plain logistic regression and gradient boosting on the same candidate features,
- the default hand-made model (config/scoring.toml) on the mapped leads, untrained,
ROC AUC, conversion rate of the top 30% by score and share of conversions in that top 30%, then
the points model's hot band. Aim: the points model within 0.01 AUC of the best learner, and a hot
band converting at 80% or more.

    .venv/bin/python bench/bench_fit.py [--data PATH] [--folds 5] [--hot-target 0.8 | --hot-share 0.2]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from connector.backtest.asof import as_of  # noqa: E402
from connector.backtest.fit import FitOptions  # noqa: E402
from connector.backtest.loader import load_history  # noqa: E402
from connector.backtest.mapping import load_mapping  # noqa: E402
from connector.backtest.validation import POINTS, UNROUNDED, cross_validate  # noqa: E402
from connector.scoring import load_model, score_lead  # noqa: E402

DATA = Path("shared/data/xeducation_leads.csv")
# The export has no dates: its totals are as of the export, so any fixed cutoff gives the same scores.
CUTOFF = datetime(2020, 1, 1, tzinfo=UTC)


def find_data() -> Path | None:
    for folder in ROOT.parents:
        if (folder / DATA).is_file():
            return folder / DATA
    return None


def plain_logistic(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return LogisticRegression(max_iter=5000).fit(x_train, y_train).decision_function(x_test)


def gradient_boosting(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray) -> np.ndarray:
    return HistGradientBoostingClassifier(random_state=0).fit(x_train, y_train).predict_proba(x_test)[:, 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=find_data())
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--hot-target", type=float, default=0.8)
    parser.add_argument("--hot-share", type=float, default=None, help="size the hot band to this share of the leads instead")
    args = parser.parse_args()
    if args.data is None or not args.data.is_file():
        print("X Education export not found: pass --data PATH (CI keeps it at ../shared/data/xeducation_leads.csv)")
        return 2
    started = time.perf_counter()
    history = load_history(args.data, None, load_mapping(ROOT / "config" / "xeducation_mapping.toml"))
    leads = [as_of(item.lead, CUTOFF)[0] for item in history.leads]
    nows = [CUTOFF] * len(leads)
    default = load_model(ROOT / "config" / "scoring.toml")

    def hand_made(test_leads, test_nows) -> np.ndarray:
        return np.array([(r.fit + r.engagement) for r in (score_lead(lead, default, now) for lead, now in zip(test_leads, test_nows))])

    options = FitOptions(hot_target=args.hot_target, hot_share=args.hot_share, folds=args.folds)
    result = cross_validate(
        leads, nows, history.outcomes, options,
        learners={"plain logistic regression": plain_logistic, "gradient boosting": gradient_boosting},
        scorers={"default hand-made model": hand_made},
    )
    elapsed = time.perf_counter() - started
    y = np.asarray(history.outcomes)
    print(f"X Education: {len(y):,} leads, {y.mean():.1%} converted; post-contact columns left out: {', '.join(sorted(history.left_out))}")
    print(f"{args.folds}-fold cross-validation, every figure on held-out leads (mean over folds)\n")
    print(f"{'model':<30} {'ROC AUC':>8} {'top-30% conversion':>19} {'top-30% recall':>15}")
    for name in (POINTS, UNROUNDED, "plain logistic regression", "gradient boosting", "default hand-made model"):
        print(f"{name:<30} {result.mean(name, 'auc'):>8.4f} {result.mean(name, 'top30_conversion'):>19.1%} {result.mean(name, 'top30_recall'):>15.1%}")
    learners = ("plain logistic regression", "gradient boosting", UNROUNDED)
    best = max(learners, key=lambda name: result.mean(name, "auc"))
    gap = result.mean(best, "auc") - result.mean(POINTS, "auc")
    hot = result.mean(POINTS, "hot_conversion")
    print()
    print(f"rounding to whole points cost {result.rounding_cost:+.4f} AUC against the unrounded model")
    print(f"points model vs the best learner ({best}): {gap:+.4f} AUC -> {'within' if gap <= 0.01 else 'NOT within'} 0.01")
    print(f"hot band: {result.mean(POINTS, 'hot_share'):.1%} of held-out leads, converting {hot:.1%} "
          f"(per fold: {', '.join(f'{v:.1%}' for v in result.folds[POINTS]['hot_conversion'])}) -> "
          + (f"sized to {args.hot_share:.0%} of the leads" if args.hot_share is not None else
             f"{'meets' if hot >= args.hot_target else 'MISSES'} the {args.hot_target:.0%} aim"))
    print(f"\nelapsed: {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
