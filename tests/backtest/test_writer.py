"""The fitted points table written as a model file: rules that add up to the learned points."""

import tomllib

import numpy as np

from connector.backtest.candidates import Candidates, EventCount, NumberGroup, TextGroup
from connector.backtest.fit import Band, FittedModel, PointsTable
from connector.backtest.writer import FitContext, write_model

CONTEXT = FitContext("fit-test", "leads.csv", 4, 2, ["Tags"], "held-out ROC AUC 0.800", 0.1)


def _fitted(groups, group_points, counts=(), count_points=()):
    table = PointsTable(Candidates(tuple(groups), tuple(counts)), tuple(group_points), tuple(count_points), 10.0)
    labels = (Band("hot", 60, 0, 10, 0.9), Band("warm", 30, 0, 10, 0.5))
    return FittedModel(table, labels, (75, 50, 25, 0), (5, 0), 0.1, np.zeros(1))


def _write(fitted, width):
    x = np.ones((4, width))
    return write_model(fitted, CONTEXT, x, np.array([1, 0, 1, 0]))


def test_text_group_becomes_is_set_plus_the_difference_per_value():
    fitted = _fitted([TextGroup("source", ("Google", "Reference"))], [(0, 25, 50, 100)])
    model = tomllib.loads(_write(fitted, 4))
    rules = [(r["op"], r.get("value"), r["points"]) for r in model["fit"]]
    # missing 0 (no rule), any value 25, Google 25 + 25, Reference 25 + 75
    assert rules == [("is_set", None, 25), ("equals", "Google", 25), ("equals", "Reference", 75)]


def test_number_group_becomes_steps_at_each_edge():
    fitted = _fitted([NumberGroup("time", (10.0, 100.0))], [(5, 0, 20, 10)])
    rules = [(r["op"], r.get("value"), r["points"]) for r in tomllib.loads(_write(fitted, 4))["fit"]]
    assert rules == [("is_empty", None, 5), ("gte", 10, 20), ("gte", 100, -10)]


def test_event_counts_become_capped_engagement_rules_without_decay():
    fitted = _fitted([], [], [EventCount("visit", 4, None), EventCount("visit", 2, 30)], [3, 0])
    (rule,) = tomllib.loads(_write(fitted, 2))["engagement"]
    assert (rule["event"], rule["points"], rule["max_events"], rule["decay"]) == ("visit", 3, 4, {"none": True})


def test_labels_grades_and_bounds_come_from_the_fit():
    fitted = _fitted([TextGroup("source", ("Google",))], [(0, 10, 40)])
    model = tomllib.loads(_write(fitted, 3))
    assert [label["name"] for label in model["labels"]] == ["hot", "warm", "cold"]
    assert model["labels"][0]["min_fit"] == 60
    assert model["scores"]["fit"] == {"min": 0, "max": 40}
    assert [b["min"] for b in model["grade"]["fit"]] == [75, 50, 25, 0]


def test_every_rule_has_a_comment_saying_how_its_case_converted():
    text = _write(_fitted([TextGroup("source", ("Google",))], [(0, 10, 40)]), 3)
    assert "# source = Google: 2 of 4 leads converted (50%); 40 points in all\n[[fit]]" in text
    assert "# Left out as post-contact (they leak the outcome): Tags." in text


def _write_counts(fitted, x, y, events=frozenset()):
    context = FitContext("fit-test", "leads.csv", len(y), int(sum(y)), [], "held-out ROC AUC 0.800", 0.1, events)
    return write_model(fitted, context, np.asarray(x, float), np.asarray(y))


def test_a_text_group_every_lead_has_gets_no_rule_that_fires_on_every_lead():
    # no lead misses the source: "Google" (the weakest) 0, other 10, Reference 30
    fitted = _fitted([TextGroup("source", ("Google", "Reference"))], [(0, 10, 0, 30)])
    x = [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 1, 0]]
    rules = [(r["op"], r.get("value"), r["points"]) for r in tomllib.loads(_write_counts(fitted, x, [1, 0, 1, 0]))["fit"]]
    assert rules == [("not_one_of", ["Google", "Reference"], 10), ("equals", "Reference", 30)]


def test_a_number_group_counts_from_its_weakest_bin_with_lte_below_and_gte_above():
    # bins <= 0 (8 points), (0, 100) the anchor (0), >= 100 (20); no lead misses the value
    fitted = _fitted([NumberGroup("time", (0.0, 100.0), closed=1)], [(0, 8, 0, 20)])
    x = [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 1, 0]]
    rules = [(r["op"], r.get("value"), r["points"]) for r in tomllib.loads(_write_counts(fitted, x, [1, 0, 1, 0]))["fit"]]
    assert rules == [("lte", 0, 8), ("gte", 100, 20)]


def test_comments_say_how_many_of_how_many_leads_converted():
    fitted = _fitted([TextGroup("source", ("Google",))], [(0, 0, 40)])
    x = [[0, 0, 1]] * 3 + [[0, 1, 0]]
    assert "# source = Google: 2 of 3 leads converted (67%)" in _write_counts(fitted, x, [1, 1, 0, 0])


def test_no_sales_qualified_rule_when_the_history_never_had_a_meeting():
    fitted = _fitted([TextGroup("source", ("Google",))], [(0, 10, 40)])
    without = tomllib.loads(_write_counts(fitted, np.ones((4, 3)), [1, 0, 1, 0]))
    assert [r["stage"] for r in without["stages"]["rules"]] == ["marketingqualifiedlead"]
    with_meetings = tomllib.loads(_write_counts(fitted, np.ones((4, 3)), [1, 0, 1, 0], frozenset({"meeting_booked"})))
    assert [r["stage"] for r in with_meetings["stages"]["rules"]] == ["marketingqualifiedlead", "salesqualifiedlead"]
