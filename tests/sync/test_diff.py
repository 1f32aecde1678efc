from datetime import datetime, timezone

from connector.scoring.types import Probability, Reason, ScoreResult
from connector.crm.text import format_reasons
from connector.sync.diff import changed_values, model_changes

NOW = datetime(2026, 3, 2, 9, 30, 5, 123456, tzinfo=timezone.utc)


def result(**kw):
    base = dict(lead_id="1", fit=40, engagement=12, label="warm", grade="C4", stage=None,
                reasons=(Reason("senior_title", "fit", 20, "senior title: VP Sales"),
                         Reason("free_mail", "fit", -10, "free email domain")),
                warnings=(), model_name="b2b", model_version="1.0.0")
    base.update(kw)
    return ScoreResult(**base)


WRITTEN = {"fit": "40", "engagement": "12", "label": "warm", "grade": "C4",
           "reasons": "+20 senior title: VP Sales\n-10 free email domain", "model": "b2b 1.0.0",
           "scored_at": "2026-03-01T00:00:00.000Z", "stage": "lead"}


def test_nothing_changed_means_nothing_to_write():
    assert changed_values(result(), WRITTEN, NOW) == {}


def test_numbers_compare_by_value_as_the_crm_returns_them():
    assert changed_values(result(), {**WRITTEN, "fit": "40.0"}, NOW) == {}


def test_only_changed_values_are_written_with_scored_at():
    assert changed_values(result(engagement=55, label="hot"), WRITTEN, NOW) == {
        "engagement": "55", "label": "hot", "scored_at": "2026-03-02T09:30:05.123Z",
    }


def test_never_written_lead_gets_every_value():
    assert set(changed_values(result(), {}, NOW)) == {
        "fit", "engagement", "label", "grade", "reasons", "model", "scored_at",
    }


def test_stage_is_written_only_when_the_core_moves_it():
    assert "stage" not in changed_values(result(engagement=13), WRITTEN, NOW)
    assert changed_values(result(stage="marketingqualifiedlead"), WRITTEN, NOW)["stage"] == (
        "marketingqualifiedlead"
    )


def test_empty_reasons_equal_an_unset_property_numbers_never_do():
    """HubSpot clears a property written "" and reads it back null (crm-api-facts.md, Contacts)."""
    bare = ScoreResult(lead_id="1", fit=0, engagement=0, label="cold", grade="D4", stage=None,
                       reasons=(), warnings=(), model_name="m", model_version="1")
    written = {"fit": "0", "engagement": "0", "label": "cold", "grade": "D4", "reasons": None,
               "model": "m 1"}
    assert changed_values(bare, written, NOW) == {}
    assert set(changed_values(bare, {**written, "fit": None}, NOW)) == {"fit", "scored_at"}


def test_a_calibrated_result_writes_its_probability_and_ends_the_reasons_with_its_sentence():
    calibrated = result(probability=Probability(42.25, 90, "became customers"))
    changed = changed_values(calibrated, WRITTEN, NOW)
    assert changed["probability"] == "42.2"
    assert changed["reasons"].splitlines() == ["+20 senior title: VP Sales", "-10 free email domain",
                                               "of leads scored like this, 42% became customers within 90 days"]


def test_a_probability_the_crm_holds_as_a_number_is_not_written_again():
    calibrated = result(probability=Probability(42.0, 90, "became customers"))
    held = {**WRITTEN, "probability": "42", "reasons": format_reasons(calibrated)}
    assert changed_values(calibrated, held, NOW) == {}


def test_a_keyed_models_probability_is_compared_under_its_own_name():
    calibrated = result(probability=Probability(42.0, 90, "became customers"))
    held = {f"enterprise_{k}": v for k, v in {**WRITTEN, "probability": "42.0", "reasons": format_reasons(calibrated)}.items()}
    assert model_changes(calibrated, held, NOW, key="enterprise", moves_stage=False) == {}
