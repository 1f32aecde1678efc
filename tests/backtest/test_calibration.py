"""The calibration table: isotonic, monotone and pooled; estimated on held-out leads it comes
true on leads it never saw; `backtest --calibrate` writes it into a model file the core accepts."""

import numpy as np

from connector.backtest.calibration import MIN_BAND_LEADS, estimate, reliability, table_text, with_table
from connector.backtest.fit import FitOptions
from connector.backtest.learn import learn
from connector.backtest.loader import LabeledLead, LeadHistory
from connector.backtest.runner import run_backtest
from connector.scoring import parse_model
from tests.backtest.synthetic import NOW, history


def _history(seed: int, n: int = 1500) -> LeadHistory:
    leads, outcomes = history(n, seed)
    return LeadHistory("synthetic", "converted", [LabeledLead(lead, y) for lead, y in zip(leads, outcomes)],
                       horizon_days=30)


def test_the_table_rises_with_the_score_and_every_band_holds_enough_leads():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 100, 2000)
    outcomes = (rng.random(2000) < scores / 120).astype(int)
    table = estimate(scores, outcomes, 90, "converted", 0)
    percents = [b.probability for b in table.bands]
    assert percents == sorted(percents) and table.bands[0].min_score == 0
    assert min(b.leads for b in table.bands) >= MIN_BAND_LEADS and sum(b.leads for b in table.bands) == 2000


def test_a_fitted_tables_probability_is_close_to_the_diagonal_on_held_out_leads():
    """Estimated on 3,000 leads' held-out folds, checked on 4,000 others: each band of a few
    hundred leads converts within sampling noise (a few points) of what it predicts."""
    learned = learn(_history(7, 3000), NOW, FitOptions(folds=3), "synthetic")
    assert learned.model.calibration.horizon_days == 30
    [check] = run_backtest(_history(8, 4000), learned.model, NOW, explicit_cutoff=False).summary["reliability"]
    assert check["table"] == "the model's" and check["ece"] < 4.0
    big = [b for b in check["bins"] if b["leads"] >= 100]
    assert len(big) >= 5 and all(abs(b["observed"] - b["predicted"]) < 8 for b in big)


def test_without_a_horizon_the_fit_writes_no_table():
    plain = _history(7, 600)
    plain.horizon_days = None
    assert learn(plain, NOW, FitOptions(folds=2), "synthetic").model.calibration is None


def test_backtest_calibrate_gives_a_table_the_core_accepts_in_place_of_the_old_one():
    learned = learn(_history(7, 800), NOW, FitOptions(folds=2), "synthetic")
    result = run_backtest(_history(9), learned.model, NOW, explicit_cutoff=False, calibrate=True)
    written = with_table(learned.text, table_text(result.calibration, "1,500 leads"))
    model = parse_model(written, "calibrated.toml")
    assert written.count("[calibration]") == 1 and model.calibration.leads == 1500
    assert [c["table"] for c in result.summary["reliability"]] == ["the model's", "written (cross-fitted)"]


def test_the_calibration_error_is_the_lead_weighted_gap():
    check = reliability([10.0] * 10 + [50.0] * 30, [1] + [0] * 9 + [1] * 12 + [0] * 18)
    assert [(b["leads"], b["observed"]) for b in check["bins"]] == [(10, 10.0), (30, 40.0)]
    assert check["ece"] == 30 * 10 / 40
