import pytest

from connector.errors import UserError
from connector.scoring import ModelError, load_model, parse_model
from connector.scoring.model import HUBSPOT_STAGES

from .conftest import BASE, DEFAULT_MODEL, make_model


def problems_of(text: str) -> str:
    with pytest.raises(ModelError) as err:
        parse_model(text, "models/b2b.toml")
    return str(err.value)


def test_default_model_loads_with_name_version_and_stages():
    model = load_model(DEFAULT_MODEL)
    assert model.name == "b2b-saas-default"
    assert model.version == "1.0.0"
    assert model.stages == HUBSPOT_STAGES
    assert model.label_names == ("hot", "warm", "cold")


def test_default_model_has_fit_and_engagement_rules():
    model = load_model(DEFAULT_MODEL)
    assert {"senior_title", "free_mail", "competitor"} <= {r.id for r in model.fit_rules}
    assert {"pricing_page", "demo_request", "unsubscribed"} <= {r.id for r in model.engagement_rules}


def test_model_error_is_a_user_error():
    assert issubclass(ModelError, UserError)


def test_toml_syntax_error_names_file_line_and_fix():
    message = problems_of(BASE + '\n[[fit]]\nid = "x\n')
    assert message.startswith("models/b2b.toml:")
    assert f":{BASE.count(chr(10)) + 3}:" in message
    assert "TOML syntax error" in message
    assert "fix:" in message


def test_unknown_key_suggests_the_nearest_valid_name():
    message = problems_of(BASE + '[[fit]]\nid = "big"\nproperty = "numemployees"\nop = "gte"\nvalue = 1000\npionts = 5\n')
    assert 'fit "big".pionts' in message
    assert "did you mean 'points'?" in message


def test_every_problem_is_reported_at_once():
    message = problems_of(BASE + '[[fit]]\nid = "a"\nproperty = "x"\nop = "equalz"\nvalue = "y"\npoints = 1\n'
                          '[[engagement]]\nid = "b"\nevent = "page_veiw"\npoints = 1\n')
    assert "2 problems" in message
    assert "did you mean 'equals'?" in message
    assert "did you mean 'page_view'?" in message


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="no such file; fix: pass the path"):
        load_model(tmp_path / "missing.toml")


def test_minimal_model_defaults_scores_to_0_100_and_hubspot_stages():
    model = make_model()
    assert (model.fit_bounds.min, model.fit_bounds.max) == (0, 100)
    assert model.stages == HUBSPOT_STAGES


# ---- every kind of mistake names the field and the fix ---------------------------------------

FIT_OK = '[[fit]]\nid = "size"\nproperty = "numemployees"\nop = "gte"\nvalue = 100\npoints = 10\n'


def test_unknown_top_level_section_suggests_the_right_one():
    message = problems_of(BASE + "[stage]\norder = []\n")
    assert "stage: unknown key 'stage'" in message
    assert "did you mean 'stages'?" in message


def test_wrong_type_names_the_field_and_how_to_write_it():
    message = problems_of(BASE + FIT_OK.replace("points = 10", 'points = "ten"'))
    assert 'fit "size".points: expected a number, got text \'ten\'' in message
    assert "fix: write it as points = 10" in message


def test_rule_without_id_is_named_by_its_position():
    message = problems_of(BASE + FIT_OK + FIT_OK.replace('id = "size"\n', ""))
    assert "fit[2].id: 'id' is missing" in message


def test_error_lines_point_at_the_offending_key():
    text = BASE + FIT_OK.replace("points = 10", "points = true")
    line = text.splitlines().index("points = true") + 1
    assert f"models/b2b.toml:{line}: fit \"size\".points" in problems_of(text)


def test_unknown_op_suggests_the_nearest():
    message = problems_of(BASE + FIT_OK.replace('op = "gte"', 'op = "greater"'))
    assert "fit \"size\".op: unknown op 'greater'" in message
    assert "fix: use one of: equals, one_of" in message or "did you mean" in message


def test_unknown_event_type_suggests_the_nearest():
    message = problems_of(BASE + '[[engagement]]\nid = "m"\nevent = "meeting_boked"\npoints = 5\n')
    assert "engagement \"m\".event: unknown event type 'meeting_boked'" in message
    assert "did you mean 'meeting_booked'?" in message


def test_invalid_regex_says_what_is_wrong_and_how_to_escape():
    message = problems_of(BASE + '[[fit]]\nid = "t"\nproperty = "jobtitle"\nop = "regex"\nvalue = "(vp|director"\npoints = 5\n')
    assert "fit \"t\".value: invalid regex '(vp|director'" in message
    assert "missing )" in message
    assert "single quotes" in message


def test_unknown_list_suggests_a_defined_one():
    message = problems_of(BASE + '[lists]\nfree_mail = ["gmail.com"]\n'
                          '[[fit]]\nid = "fm"\nproperty = "email"\nop = "email_domain_in"\nlist = "freemail"\npoints = -5\n')
    assert "fit \"fm\".list: unknown list 'freemail'" in message
    assert "did you mean 'free_mail'?" in message


def test_unknown_group_says_how_to_define_it():
    message = problems_of(BASE + FIT_OK + 'group = "size"\n')
    assert "fit \"size\".group: unknown group 'size'" in message
    assert "[groups.size]" in message


def test_duplicate_rule_ids_are_rejected():
    message = problems_of(BASE + FIT_OK + FIT_OK)
    assert "duplicate rule id 'size'" in message
    assert "give each rule its own id" in message


def test_label_thresholds_out_of_order_are_rejected():
    text = BASE.replace("min_fit = 30", "min_fit = 70")
    message = problems_of(text)
    assert "labels \"warm\".min_fit: thresholds out of order" in message
    assert "list labels from the highest thresholds to the lowest" in message


def test_last_label_must_catch_every_other_lead():
    text = BASE.replace('name = "cold"', 'name = "cold"\nmin_fit = 1')
    assert "remove min_fit/min_engagement from the last label" in problems_of(text)


def test_grade_bands_out_of_order_are_rejected():
    text = BASE.replace('{ band = "B", min = 50 }', '{ band = "B", min = 80 }')
    message = problems_of(text)
    assert "grade.fit[2].min: bands out of order" in message
    assert "list bands from the highest min to the lowest" in message


def test_grade_must_cover_the_lowest_score():
    text = BASE.replace('{ band = "4", min = 0 }', '{ band = "4", min = 10 }')
    assert "set the last band's min to 0" in problems_of(text)


def test_threshold_outside_the_score_range_is_rejected():
    text = BASE.replace("min_engagement = 50", "min_engagement = 150")
    assert "150 is outside the score's range 0..100" in problems_of(text)


def test_score_bounds_out_of_order_are_rejected():
    assert "scores.fit.min: min (100) must be below max (0)" in problems_of(BASE + "[scores.fit]\nmin = 100\nmax = 0\n")


def test_decay_with_two_forms_is_rejected():
    message = problems_of(BASE + '[[engagement]]\nid = "o"\nevent = "email_open"\npoints = 1\n'
                          "decay = { half_life_days = 30, none = true }\n")
    assert 'engagement "o".decay: needs exactly one of half_life_days, steps or none = true' in message


def test_non_positive_half_life_names_the_field():
    message = problems_of(BASE + '[[engagement]]\nid = "pricing_page"\nevent = "page_view"\npoints = 1\n'
                          "decay = { half_life_days = 0 }\n")
    assert 'engagement "pricing_page".decay.half_life_days: must be above 0' in message


def test_decay_steps_out_of_order_are_rejected():
    message = problems_of(BASE + "[decay]\nsteps = [{ days = 90, factor = 0.5 }, { days = 30, factor = 1.0 }]\n")
    assert "decay.steps[2].days: windows out of order" in message
    assert "decay.steps[2].factor: factor 1 is above the previous window's 0.5" in message


def test_decaying_penalty_is_rejected():
    message = problems_of(BASE + '[[engagement]]\nid = "u"\nevent = "unsubscribe"\npoints = -20\n'
                          "decay = { half_life_days = 30 }\n")
    assert "a negative rule cannot decay" in message


def test_between_needs_min_and_max_in_order():
    message = problems_of(BASE + '[[fit]]\nid = "s"\nproperty = "numemployees"\nop = "between"\nmin = 500\nmax = 50\npoints = 5\n')
    assert 'fit "s".min: min (500) is above max (50); fix: swap them' in message


def test_op_parameters_that_do_not_belong_are_named():
    message = problems_of(BASE + '[[fit]]\nid = "c"\nproperty = "company"\nop = "is_set"\nvalue = "x"\npoints = 5\n')
    assert "fit \"c\".value: op 'is_set' takes no 'value'; fix: remove value" in message


def test_unknown_stage_in_a_rule_suggests_a_listed_one():
    message = problems_of(BASE + '[[stages.rules]]\nstage = "marketingqualifiedleads"\nmin_fit = 50\n')
    assert "did you mean 'marketingqualifiedlead'?" in message


def test_stage_rule_without_condition_is_rejected():
    assert "the rule has no condition" in problems_of(BASE + '[[stages.rules]]\nstage = "lead"\n')


def test_group_shared_by_fit_and_engagement_is_rejected():
    message = problems_of(BASE + '[groups.g]\nmax = 10\n' + FIT_OK + 'group = "g"\n'
                          '[[engagement]]\nid = "o"\nevent = "email_open"\npoints = 1\ngroup = "g"\n')
    assert "groups.g: the group has both fit and engagement rules" in message


def test_reason_with_an_unknown_placeholder_is_rejected():
    message = problems_of(BASE + FIT_OK + 'reason = "big company: {valeu}"\n')
    assert "bad placeholder in reason: {valeu}" in message
    assert "use {value}" in message


def test_version_written_as_a_number_says_to_quote_it():
    message = problems_of(BASE.replace('version = "0.1"', "version = 1.0"))
    assert 'model.version: expected text, got a number 1.0; fix: write it as version = "1.0.0" (in quotes)' in message


def test_missing_model_section_is_reported():
    assert 'add [model] with name = "..."' in problems_of(BASE.replace('[model]\nname = "test"\nversion = "0.1"\n', ""))


def test_label_that_can_never_be_given_is_rejected():
    text = BASE.replace('name = "warm"\nmin_fit = 30\nmin_engagement = 20', 'name = "warm"\nmin_fit = 60\nmin_engagement = 50')
    assert "labels \"warm\": can never be given" in problems_of(text)


def test_label_on_engagement_alone_may_precede_one_on_fit_and_engagement():
    text = BASE.replace('name = "hot"\nmin_fit = 60\nmin_engagement = 50', 'name = "hot"\nmin_engagement = 80')
    assert make_model(base=text).label_names == ("hot", "warm", "cold")


def test_rule_ids_are_unique_across_fit_and_engagement():
    message = problems_of(BASE + FIT_OK + '[[engagement]]\nid = "size"\nevent = "visit"\npoints = 1\n')
    assert "duplicate rule id 'size' (also used by fit \"size\")" in message


def test_the_ids_of_bounds_reasons_are_reserved():
    assert "'fit_bounds' is reserved" in problems_of(BASE + FIT_OK.replace('id = "size"', 'id = "fit_bounds"'))
