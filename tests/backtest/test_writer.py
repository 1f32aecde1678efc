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
    assert "# source = Google: 50% of 4 leads converted; 40 points in all\n[[fit]]" in text
    assert "# Left out as post-contact (they leak the outcome): Tags." in text
