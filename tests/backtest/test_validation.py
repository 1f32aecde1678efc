"""Held-out validation: the points model, its unrounded original and other learners, same folds."""

import numpy as np

from connector.backtest.fit import FitOptions
from connector.backtest.validation import POINTS, UNROUNDED, cross_validate
from tests.backtest.synthetic import NOW, history


def test_rounded_and_unrounded_are_scored_on_the_same_folds():
    leads, outcomes = history(n=400)
    seen_sizes = []

    def by_size(x_train, y_train, x_test):
        seen_sizes.append(len(x_test))
        return x_test.sum(1)

    result = cross_validate(leads, [NOW] * 400, outcomes, FitOptions(folds=3), learners={"sum": by_size})
    assert sorted(seen_sizes) == [133, 133, 134]
    for name in (POINTS, UNROUNDED, "sum"):
        assert len(result.folds[name]["auc"]) == 3
    assert result.mean(UNROUNDED, "auc") > 0.7
    assert abs(result.rounding_cost) < 0.02
    assert result.rounding_cost == result.mean(UNROUNDED, "auc") - result.mean(POINTS, "auc")


def test_a_fixed_scorer_is_scored_on_each_held_out_fold():
    leads, outcomes = history(n=300)
    result = cross_validate(
        leads, [NOW] * 300, outcomes, FitOptions(folds=3),
        scorers={"visits": lambda test, nows: np.array([len(lead.events) for lead in test])},
    )
    assert len(result.folds["visits"]["top30_recall"]) == 3
    assert 0.5 < result.mean("visits", "auc") < 0.8


def test_summary_reports_the_rounding_cost():
    leads, outcomes = history(n=300)
    lines = cross_validate(leads, [NOW] * 300, outcomes, FitOptions(folds=3)).summary_lines()
    assert lines[0].startswith("Held-out (3-fold) ROC AUC: unrounded 0.")
    assert "rounding cost" in lines[0] and "hot band" in lines[1]
