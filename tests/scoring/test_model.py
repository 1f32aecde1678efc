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
