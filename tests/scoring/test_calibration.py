"""The model file's [calibration] table: checked with file, line, field and fix; looked up purely."""

from datetime import UTC, datetime

import pytest

from connector.scoring import ModelError, load_model, parse_model, score_lead
from connector.scoring.types import Lead
from tests.sync.hubspot_helpers import MODEL

NOW = datetime(2026, 3, 2, tzinfo=UTC)
BASE = MODEL.read_text(encoding="utf-8")
TABLE = """
[calibration]
horizon_days = 90
leads = 500
conversions = 60
outcome = "became customers"

[[calibration.band]]
min_score = 0
probability = 4.0
leads = 300

[[calibration.band]]
min_score = 40
probability = 20.0
leads = 150

[[calibration.band]]
min_score = 90
probability = 55.5
leads = 50
"""


def _problems(table: str) -> list[str]:
    with pytest.raises(ModelError) as caught:
        parse_model(BASE + table, "m.toml")
    return caught.value.problems


def test_a_score_gets_the_percent_of_the_band_it_falls_in():
    model = parse_model(BASE + TABLE, "m.toml")
    table = model.calibration
    assert [table.probability(s) for s in (-5, 0, 39, 40, 89, 90, 400)] == [4.0, 4.0, 4.0, 20.0, 20.0, 55.5, 55.5]


def test_the_result_carries_the_probability_and_its_sentence():
    model = parse_model(BASE + TABLE, "m.toml")
    result = score_lead(Lead("1", {"jobtitle": "VP Sales", "numemployees": "200"}), model, NOW)
    assert result.probability.percent == model.calibration.probability(result.fit + result.engagement)
    assert result.probability.sentence == (f"of leads scored like this, {result.probability.percent:.0f}% "
                                           "became customers within 90 days")
    assert sum(r.points for r in result.reasons if r.score == "fit") == result.fit  # no points of its own


def test_a_model_without_a_table_gives_no_probability():
    assert score_lead(Lead("1", {"jobtitle": "VP Sales"}), load_model(MODEL), NOW).probability is None


def test_a_probability_falling_as_the_score_rises_is_named_with_its_line_and_fix():
    [problem] = _problems(TABLE.replace("probability = 20.0", "probability = 2.0"))
    line = (BASE + TABLE).splitlines().index("probability = 20.0") + 1
    assert problem.startswith(f"m.toml:{line}: calibration.band[2].probability: 2% is below the band before's 4%")
    assert "fix: make the probabilities rise" in problem


def test_a_percent_outside_0_to_100_is_refused():
    [problem] = _problems(TABLE.replace("probability = 55.5", "probability = 155.5"))
    assert "calibration.band[3].probability: 155.5 is outside the allowed range 0 to 100" in problem


def test_a_horizon_of_zero_days_is_refused():
    [problem] = _problems(TABLE.replace("horizon_days = 90", "horizon_days = 0"))
    assert "calibration.horizon_days: 0 is outside the allowed range 1 to" in problem


def test_band_sizes_that_do_not_add_up_to_leads_are_refused_with_the_sum():
    [problem] = _problems(TABLE.replace("leads = 500", "leads = 510"))
    assert "calibration.leads: is 510, but the bands hold 500 leads; fix: write leads = 500" in problem


def test_more_conversions_than_leads_are_refused():
    [problem] = _problems(TABLE.replace("conversions = 60", "conversions = 600"))
    assert "calibration.conversions: 600 conversions among 500 leads" in problem


def test_a_first_band_above_the_lowest_score_leaves_scores_without_a_band():
    [problem] = _problems(TABLE.replace("min_score = 0", "min_score = 10"))
    assert "calibration.band[1].min_score: 10 leaves the scores from 0" in problem
    assert "fix: write min_score = 0 in the first band" in problem


def test_bands_out_of_order_are_refused():
    [problem] = _problems(TABLE.replace("min_score = 90", "min_score = 40"))
    assert "calibration.band[3].min_score: 40 is not above the band before's 40" in problem


def test_a_missing_horizon_is_named_with_an_example():
    [problem] = _problems(TABLE.replace("horizon_days = 90\n", ""))
    assert "calibration.horizon_days: 'horizon_days' is missing; fix: add horizon_days = 90" in problem


def test_a_calibrated_models_key_must_leave_room_for_its_salesforce_probability_field():
    keyed = BASE.replace("[model]\n", '[model]\nkey = "a_key_of_nineteen_c"\n', 1)
    with pytest.raises(ModelError) as caught:
        parse_model(keyed + TABLE, "m.toml")
    [problem] = caught.value.problems
    assert "model.key: 'a_key_of_nineteen_c' is 19 characters" in problem and "shorten the key to 18" in problem
