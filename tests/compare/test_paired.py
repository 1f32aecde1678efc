"""The paired bootstrap: both models' figures from the backtest's metrics, intervals, the verdict."""

import numpy as np
import pytest

from connector.backtest import metrics
from connector.compare.paired import FIGURES, paired_bootstrap, ranked, verdict

RNG = np.random.default_rng(3)
OUTCOMES = (RNG.random(400) < 0.3).astype(int)
SIGNAL = OUTCOMES * 30 + RNG.integers(0, 40, 400)  # converters score higher
NOISE = RNG.integers(0, 70, 400)


def _model(totals, hot_from=60):
    return ranked(totals, [t >= hot_from for t in totals])


def _by_key(figures):
    return {f.key: f for f in figures}


def test_every_figure_has_both_models_and_the_difference_each_with_an_interval():
    figures = _by_key(paired_bootstrap(OUTCOMES, _model(NOISE), _model(SIGNAL), resamples=200, seed=1))
    assert list(figures) == [key for key, _ in FIGURES]
    for f in figures.values():
        for interval in (f.baseline, f.candidate, f.difference):
            assert interval.low <= interval.value <= interval.high


def test_the_point_figures_are_the_backtest_metrics_on_all_leads():
    figures = _by_key(paired_bootstrap(OUTCOMES, _model(NOISE), _model(SIGNAL), resamples=100))
    assert figures["auc"].candidate.value == pytest.approx(metrics.roc_auc(SIGNAL, OUTCOMES))
    assert figures["top20_recall"].baseline.value == pytest.approx(metrics.top_share(NOISE, OUTCOMES, 0.2).recall)
    hot = SIGNAL >= 60
    assert figures["hot_share"].candidate.value == pytest.approx(hot.mean())
    assert figures["hot_conversion"].candidate.value == pytest.approx(OUTCOMES[hot].mean())
    assert figures["auc"].difference.value == pytest.approx(figures["auc"].candidate.value - figures["auc"].baseline.value)


def test_the_same_seed_gives_the_same_intervals_and_another_seed_others():
    a = paired_bootstrap(OUTCOMES, _model(NOISE), _model(SIGNAL), resamples=100, seed=5)
    b = paired_bootstrap(OUTCOMES, _model(NOISE), _model(SIGNAL), resamples=100, seed=5)
    c = paired_bootstrap(OUTCOMES, _model(NOISE), _model(SIGNAL), resamples=100, seed=6)
    assert a == b and a != c


def test_a_model_that_ranks_converters_higher_is_better_and_swapped_worse():
    better = verdict(paired_bootstrap(OUTCOMES, _model(NOISE), _model(SIGNAL), resamples=200))
    worse = verdict(paired_bootstrap(OUTCOMES, _model(SIGNAL), _model(NOISE), resamples=200))
    assert better.outcome == "better" and better.line.startswith("better: ")
    assert worse.outcome == "worse" and "95% interval -" in worse.line


def test_a_model_that_only_shifts_every_score_shows_no_difference():
    shifted = verdict(paired_bootstrap(OUTCOMES, _model(SIGNAL), _model(SIGNAL + 5), resamples=200))
    assert shifted.outcome == "no difference"
    assert shifted.line.startswith("no difference the data can show")


def test_a_small_noisy_history_cannot_show_a_difference():
    y = np.array([1, 0, 1, 0, 0, 1, 0, 0, 1, 0])
    a, b = np.array([5, 4, 3, 2, 1, 6, 7, 1, 2, 3]), np.array([4, 5, 3, 1, 2, 6, 6, 2, 2, 3])
    assert verdict(paired_bootstrap(y, _model(a), _model(b), resamples=300)).outcome == "no difference"


def test_an_empty_hot_band_has_no_conversion_and_no_interval():
    figures = _by_key(paired_bootstrap(OUTCOMES, _model(NOISE, hot_from=1000), _model(SIGNAL), resamples=100))
    assert figures["hot_share"].baseline.value == 0.0
    assert figures["hot_conversion"].baseline.value is None and figures["hot_conversion"].difference.value is None


def test_models_scoring_different_leads_are_refused():
    with pytest.raises(ValueError, match="same leads"):
        paired_bootstrap(OUTCOMES[:10], _model(NOISE), _model(SIGNAL))
