"""Learning points from outcomes: the points table, the labels and bands chosen from the data."""

import numpy as np
import pytest

from connector.backtest.candidates import Candidates, EventCount, TextGroup
from connector.backtest.fit import FitOptions, choose_bands, choose_labels, fit_model, to_points
from connector.backtest.learn import learn
from connector.backtest.loader import LabeledLead, LeadHistory
from connector.scoring import score_lead
from connector.scoring.types import Event, Lead
from tests.backtest.synthetic import NOW, history


def test_points_shift_each_group_so_its_weakest_case_is_zero():
    candidates = Candidates((TextGroup("source", ("a", "b")),), ())
    # log-odds: missing -1, other 0, a 1, b 3 -> shifted 0, 1, 2, 4; the best lead gets 100
    table = to_points(candidates, np.array([-1.0, 0.0, 1.0, 3.0]), 100)
    assert table.group_points == ((0, 25, 50, 100),)
    assert table.scale == pytest.approx(25.0)
    assert table.fit_range == (0, 100)


def test_a_case_no_lead_had_gets_no_points():
    candidates = Candidates((TextGroup("source", ("a",)),), ())
    table = to_points(candidates, np.array([-2.0, 0.0, 1.0]), 10, support=np.array([0, 5, 5]))
    assert table.group_points == ((0, 0, 10),)


def test_event_points_are_per_event_up_to_the_cap():
    candidates = Candidates((), (EventCount("visit", 3, None),))
    table = to_points(candidates, np.array([0.5]), 30)  # 3 visits at most: 1.5 log-odds = 30 points
    assert table.count_points == (10,)
    lead = Lead("x", {}, (Event("visit", NOW, count=5),))
    assert table.engagement_score(lead, NOW) == 30
    assert table.engagement_range == (0, 30)


def test_hot_is_the_largest_band_sure_to_reach_the_target():
    # 100 leads at fit 90 converting 95%, 100 at fit 50 converting 70%, 100 at fit 10 converting 10%
    fit = np.repeat([90, 50, 10], 100)
    y = np.concatenate([np.arange(100) < 95, np.arange(100) < 70, np.arange(100) < 10]).astype(int)
    labels, notes = choose_labels(fit, np.zeros(300, int), y, FitOptions(hot_target=0.8))
    hot, warm = labels
    # fit >= 50 converts 82.5% but its Wilson lower bound (76.6%) is under 80%: hot stays at 90
    assert (hot.min_fit, hot.leads, hot.conversion) == (90, 100, 0.95)
    # warm: outside hot, fit >= 50 converts 70%, above the overall 58.3%; fit >= 10 would not
    assert (warm.min_fit, warm.leads) == (50, 100)
    assert notes == []


def test_when_no_band_reaches_the_target_hot_is_the_best_and_it_says_so():
    fit = np.repeat([90, 10], 100)
    y = np.concatenate([np.arange(100) < 60, np.arange(100) < 10]).astype(int)
    labels, notes = choose_labels(fit, np.zeros(200, int), y, FitOptions(hot_target=0.8))
    assert labels[0].min_fit == 90 and labels[0].conversion == 0.6
    assert "no band of at least 20 leads converts 80%" in notes[0]


def test_grade_bands_sit_at_the_quartiles():
    assert choose_bands(np.arange(0, 101), 0) == (75, 50, 25, 0)
    assert choose_bands(np.array([0, 0, 0, 5]), 0) == (5, 0)


def test_fit_learns_the_signal_of_the_data():
    leads, outcomes = history()
    fitted = fit_model(leads, [NOW] * len(leads), outcomes, FitOptions())
    group = next(i for i, g in enumerate(fitted.points.candidates.groups) if g.property == "lead_source")
    cases = {k.lower(): p for k, p in zip(fitted.points.candidates.groups[group].cases, fitted.points.group_points[group])}
    assert cases["reference"] > cases["google"] > cases["chat"]
    assert fitted.points.fit_range[0] == 0
    assert fitted.points.fit_range[1] + fitted.points.engagement_range[1] == pytest.approx(100, abs=5)


def test_engagement_never_drops_below_zero():
    candidates = Candidates((), (EventCount("visit", 3, None), EventCount("unsubscribe", 1, None)))
    table = to_points(candidates, np.array([0.5, -2.0]), 30)
    lead = Lead("x", {}, (Event("visit", NOW), Event("unsubscribe", NOW)))
    assert table.count_points[1] < 0
    assert table.engagement_score(lead, NOW) == 0
    assert table.engagement_range[0] == 0


def test_hot_share_sizes_the_hot_band_to_sales_capacity():
    fit = np.repeat([90, 50, 10], 100)
    y = np.concatenate([np.arange(100) < 95, np.arange(100) < 70, np.arange(100) < 10]).astype(int)
    (hot, *_), _ = choose_labels(fit, np.zeros(300, int), y, FitOptions(hot_share=0.7))
    assert (hot.min_fit, hot.leads) == (50, 200)  # the most conversions within 210 leads
    (hot, *_), _ = choose_labels(fit, np.zeros(300, int), y, FitOptions(hot_share=0.2))
    assert (hot.min_fit, hot.leads) == (90, 100)


def test_a_fitted_model_has_no_rule_that_fires_on_every_lead_and_no_negative_threshold():
    leads, outcomes = history(n=600)
    learned = learn(LeadHistory("s", "won", [LabeledLead(lead, o) for lead, o in zip(leads, outcomes)]), NOW, FitOptions(), "s", validate=False)
    fitted = learned.fitted
    fired = {rule.id: 0 for rule in learned.model.fit_rules}
    for lead in leads:
        for reason in score_lead(lead, learned.model, NOW).reasons:
            if reason.rule in fired:
                fired[reason.rule] += 1
    assert fired and max(fired.values()) < len(leads)
    assert all(band.min_fit >= 0 and band.min_engagement >= 0 for band in fitted.labels)
    assert min(fitted.fit_bands) >= 0 and min(fitted.engagement_bands) >= 0


def test_a_recent_event_that_lowers_the_odds_is_not_written_as_a_fading_penalty():
    from datetime import timedelta

    rng = np.random.default_rng(3)
    leads, y = [], []
    for i in range(600):
        converted = int(rng.random() < 0.3)
        # Old visits belong to everyone; a visit in the last week mostly to those who did not convert.
        events = [Event("visit", NOW - timedelta(days=60), count=int(rng.integers(1, 4)))]
        if rng.random() < (0.1 if converted else 0.7):
            events.append(Event("visit", NOW - timedelta(days=2)))
        events += [Event("form_submission", NOW - timedelta(days=40))] * (converted and rng.random() < 0.8)
        leads.append(Lead(str(i), {}, tuple(events)))
        y.append(converted)
    fitted = fit_model(leads, [NOW] * len(leads), y, FitOptions())
    counts = fitted.points.candidates.counts
    assert all(p >= 0 for k, p in zip(counts, fitted.points.count_points) if k.window_days is not None)
    assert any(k.event == "form_submission" for k, p in zip(counts, fitted.points.count_points) if p > 0)
