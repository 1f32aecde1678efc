"""Several models for one portal: keys, the one model that moves the stage, conflicts refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from connector.scoring import ModelError, ModelSet, label_of, load_models, parse_model
from connector.scoring.modelset import split_paths

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "config" / "scoring.toml"
ENTERPRISE = ROOT / "config" / "models" / "enterprise.toml"

BODY = """
[[fit]]
id = "senior"
property = "jobtitle"
op = "contains"
value = "vp"
points = 50
reason = "senior"

[[labels]]
name = "hot"
min_fit = 50

[[labels]]
name = "cold"

[grade]
fit = [{ band = "A", min = 50 }, { band = "D", min = 0 }]
engagement = [{ band = "1", min = 50 }, { band = "4", min = 0 }]
"""


def model(name: str, extra: str = "", source: str | None = None):
    head = f'[model]\nname = "{name}"\nversion = "1"\n{extra}\n'
    return parse_model(head + BODY, source or f"{name}.toml")


def test_a_model_keeps_the_key_and_moves_stage_of_its_model_section():
    keyed = model("ent", 'key = "enterprise"\nmoves_stage = true')
    assert (keyed.key, keyed.moves_stage) == ("enterprise", True)
    assert (model("plain").key, model("plain").moves_stage) == (None, False)


@pytest.mark.parametrize("key", ["Enterprise", "mid-market", "2nd", "a__b", "x" * 21, "default"])
def test_a_key_that_cannot_name_crm_fields_is_refused_with_the_fix(key):
    with pytest.raises(ModelError) as caught:
        model("bad", f'key = "{key}"', source="bad.toml")
    message = str(caught.value)
    assert "bad.toml:4: model.key:" in message and 'key = "enterprise"' in message


def test_two_models_with_one_key_are_refused_naming_both_files():
    with pytest.raises(ModelError) as caught:
        ModelSet((model("a", 'key = "ent"'), model("b", 'key = "ent"')))
    assert "a.toml and b.toml both have key 'ent'" in str(caught.value)


def test_two_models_without_a_key_are_refused_they_would_write_the_same_properties():
    with pytest.raises(ModelError) as caught:
        ModelSet((model("a"), model("b")))
    assert "both have no [model] key" in str(caught.value)


def test_two_models_marked_moves_stage_are_refused():
    with pytest.raises(ModelError) as caught:
        ModelSet((model("a", "moves_stage = true"), model("b", 'key = "b"\nmoves_stage = true')))
    assert "mark one model only" in str(caught.value)


def test_the_first_model_moves_the_stage_unless_another_is_marked():
    first, second = model("a"), model("b", 'key = "b"')
    assert ModelSet((first, second)).stage_model is first
    marked = model("c", 'key = "c"\nmoves_stage = true')
    assert ModelSet((first, marked)).stage_model is marked


def test_the_set_reads_every_property_any_model_needs_once():
    models = load_models(f"{DEFAULT}, {ENTERPRISE}")
    assert models.keys == (None, "enterprise")
    assert [label_of(m) for m in models] == ["default", "enterprise"]
    assert {"numemployees", "annualrevenue", "jobtitle", "industry"} <= set(models.fit_properties)
    assert len(models.fit_properties) == len(set(models.fit_properties))


def test_a_comma_separated_list_is_split_and_blank_means_the_default_model():
    assert split_paths(" a.toml , b.toml,") == [Path("a.toml"), Path("b.toml")]
    assert split_paths(None) == [None]
    assert load_models(None).first.name == "b2b-saas-default"


def test_every_file_of_the_list_reports_its_problems_together(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[model]\nname = "x"\n', encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        load_models(f"{bad}, {tmp_path / 'missing.toml'}", named_by="LEADSCORE_MODEL_PATH")
    message = str(caught.value)
    assert "version" in message and "missing.toml: no such file" in message


ACCOUNT = """
[account]
rollup = "max"
cap = 100

[[account.fit]]
id = "big"
property = "numberofemployees"
op = "gte"
value = 1000
points = 40
reason = "big company"

[[account.labels]]
name = "hot"
min_fit = 40

[[account.labels]]
name = "cold"

[account.grade]
fit = [{ band = "A", min = 40 }, { band = "D", min = 0 }]
engagement = [{ band = "1", min = 50 }, { band = "4", min = 0 }]
"""


def with_account(name: str, extra: str = ""):
    head = f'[model]\nname = "{name}"\nversion = "1"\n{extra}\n'
    return parse_model(head + BODY + ACCOUNT, f"{name}.toml")


def test_companies_are_scored_by_the_one_model_with_an_account_section_keyed_or_not():
    keyed = with_account("ent", 'key = "enterprise"')
    models = ModelSet((model("b2b"), keyed))
    assert models.account_model is keyed and models.stage_model is not keyed
    assert ModelSet((model("b2b"), model("ent", 'key = "enterprise"'))).account_model is None


def test_two_models_with_an_account_section_are_refused_with_the_fix():
    with pytest.raises(ModelError) as err:
        ModelSet((with_account("b2b"), with_account("ent", 'key = "enterprise"')))
    text = str(err.value)
    assert "b2b.toml and ent.toml all have an [account] section" in text
    assert "fix: keep the [account] section in one model only" in text
