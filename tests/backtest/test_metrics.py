"""Every metric against values worked out by hand on a few leads (the working is in the comments)."""

import math

import pytest

from connector.backtest import metrics


def test_auc_counts_pairs_a_converter_wins():
    # converters 0.9 and 0.7; non-converters 0.8, 0.6, 0.5. 0.9 beats 3, 0.7 beats 2 of 3 -> 5/6
    assert metrics.roc_auc([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 0, 0]) == pytest.approx(5 / 6)


def test_auc_counts_a_tie_as_half_a_win():
    # pairs (3 vs 3) = 0.5, (3 vs 1) = 1, (2 vs 3) = 0, (2 vs 1) = 1 -> 2.5 / 4
    assert metrics.roc_auc([3, 3, 2, 1], [1, 0, 1, 0]) == pytest.approx(0.625)


def test_auc_needs_both_outcomes():
    with pytest.raises(ValueError, match="both"):
        metrics.roc_auc([1, 2], [1, 1])


def test_roc_curve_steps_through_each_distinct_score():
    fpr, tpr, thresholds = metrics.roc_curve([3, 3, 2, 1], [1, 0, 1, 0])
    # >=3: 1 of 2 converters, 1 of 2 others; >=2: 2 and 1; >=1: everything
    assert tpr == [0.0, 0.5, 1.0, 1.0]
    assert fpr == [0.0, 0.5, 0.5, 1.0]
    assert thresholds == [math.inf, 3.0, 2.0, 1.0]


def test_precision_recall_and_average_precision():
    precision, recall, thresholds, average = metrics.precision_recall([4, 3, 2, 1], [1, 0, 1, 0])
    assert precision == pytest.approx([1.0, 0.5, 2 / 3, 0.5])
    assert recall == pytest.approx([0.5, 0.5, 1.0, 1.0])
    assert thresholds == [4.0, 3.0, 2.0, 1.0]
    # recall steps 0.5 at precision 1, 0.5 at precision 2/3 -> 0.5 + 1/3
    assert average == pytest.approx(0.5 + 1 / 3)


def test_top_share_counts_a_tied_group_at_the_cut_pro_rata():
    # top 40% of 5 leads = 2: the 5 (a converter) and 1 of the three 4s (1 converter among them)
    top = metrics.top_share([5, 4, 4, 4, 1], [1, 1, 0, 0, 0], 0.4)
    assert top.leads == 2
    assert top.conversions == pytest.approx(1 + 1 / 3)
    assert top.conversion == pytest.approx(2 / 3)
    assert top.recall == pytest.approx(2 / 3)


def test_top_share_does_not_depend_on_file_order():
    a = metrics.top_share([4, 4, 4, 5, 1], [0, 0, 1, 1, 0], 0.4)
    b = metrics.top_share([5, 4, 4, 4, 1], [1, 1, 0, 0, 0], 0.4)
    assert a == b


def test_deciles_give_lift_and_cumulative_gains():
    scores = list(range(10, 0, -1))
    outcomes = [1, 1, 0, 1, 0, 0, 0, 0, 0, 0]  # overall conversion 0.3
    rows = metrics.deciles(scores, outcomes)
    assert [r.leads for r in rows] == [1] * 10
    assert [r.conversions for r in rows[:4]] == [1, 1, 0, 1]
    assert rows[0].lift == pytest.approx(1 / 0.3)
    assert rows[2].lift == 0
    assert [r.cumulative_gain for r in rows[:4]] == pytest.approx([1 / 3, 2 / 3, 2 / 3, 1.0])
    assert rows[-1].cumulative_gain == pytest.approx(1.0)
    # precision of the top k: 1/1, 2/2, 2/3, 3/4
    assert [r.cumulative_conversion for r in rows[:4]] == pytest.approx([1.0, 1.0, 2 / 3, 0.75])


def test_wilson_interval_matches_the_textbook_value():
    # 8 of 10: centre (0.8 + 1.96^2/20) / (1 + 1.96^2/10), half-width per Wilson (1927)
    low, high = metrics.wilson(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)


def test_wilson_interval_of_nothing_is_everything():
    assert metrics.wilson(0, 0) == (0.0, 1.0)


def test_conversion_by_label():
    rates = metrics.conversion_by(["hot", "hot", "cold", "warm", "cold"], [1, 1, 0, 1, 1])
    assert rates["hot"].rate == 1.0 and rates["hot"].leads == 2
    assert rates["cold"].conversions == 1 and rates["cold"].rate == 0.5
    assert rates["warm"].leads == 1


def test_calibration_bands_split_the_score_range_evenly():
    bands = metrics.calibration([0, 1, 9, 10], [0, 0, 1, 1], bands=2)
    assert [(b.low, b.high) for b in bands] == [(0.0, 5.0), (5.0, 10.0)]
    assert [b.mean_score for b in bands] == [0.5, 9.5]
    assert [b.rate.rate for b in bands] == [0.0, 1.0]


def test_calibration_leaves_out_empty_bands():
    bands = metrics.calibration([0, 10], [0, 1], bands=5)
    assert len(bands) == 2


def test_rule_stats_compare_conversion_with_and_without_the_rule():
    (stat,) = metrics.rule_stats({"pricing": [True, True, False, False, False]}, [1, 0, 1, 0, 0])
    assert stat.fired == 2
    assert stat.fire_rate == pytest.approx(0.4)
    assert stat.with_rule.rate == pytest.approx(0.5)
    assert stat.without_rule.rate == pytest.approx(1 / 3)
    assert stat.difference == pytest.approx(0.5 - 1 / 3)
    assert stat.with_rule.low == pytest.approx(metrics.wilson(1, 2)[0])


def test_difference_interval_matches_newcombes_worked_example():
    # Newcombe (1998), Statistics in Medicine 17:873, table II: 56/70 against 48/80, method 10.
    low, high = metrics.difference_interval(metrics.rate(56, 70), metrics.rate(48, 80))
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


def test_auc_interval_is_delongs_from_each_leads_share_of_pairs_won():
    scores, outcomes = [5, 4, 4, 2, 3, 1, 4], [1, 1, 0, 1, 0, 0, 1]
    pos = [s for s, y in zip(scores, outcomes) if y]
    neg = [s for s, y in zip(scores, outcomes) if not y]
    won = lambda a, b: 1.0 if a > b else 0.5 if a == b else 0.0  # noqa: E731
    v10 = [sum(won(p, n) for n in neg) / len(neg) for p in pos]
    v01 = [sum(won(p, n) for p in pos) / len(pos) for n in neg]
    auc = sum(v10) / len(v10)
    var = lambda v: sum((x - sum(v) / len(v)) ** 2 for x in v) / (len(v) - 1)  # noqa: E731
    half = metrics.Z_95 * (var(v10) / len(pos) + var(v01) / len(neg)) ** 0.5
    low, high = metrics.auc_interval(scores, outcomes)
    assert low == pytest.approx(max(0.0, auc - half)) and high == pytest.approx(min(1.0, auc + half))
    assert low < metrics.roc_auc(scores, outcomes) < high
