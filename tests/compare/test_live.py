"""`leadscore compare --live` against the HubSpot sandbox: the moves a model edit would cause,
with nothing written (the sandbox's write log proves it)."""

import json

import pytest
from typer.testing import CliRunner

from connector.cli import _register, app
from connector.compare.live import reading_model, stage_checks
from connector.scoring import load_model, parse_model
from tests.sync.hubspot_helpers import MODEL, NOW, contact_ids, fast_portal

runner = CliRunner()
# The edit under review: a booked meeting makes an SQL only with a fit of 50, not 30, and a demo
# request is worth 40 points, not 30.
SQL_RULE = 'stage = "salesqualifiedlead"\nevent = "meeting_booked"\nwithin_days = 90\nmin_fit = 30\n'
DEMO = 'points = 30\nmax_events = 1\ndecay = { half_life_days = 45 }\nreason = "requested a demo"'


def edited_model_text() -> str:
    text = MODEL.read_text()
    assert SQL_RULE in text and DEMO in text
    return text.replace(SQL_RULE, SQL_RULE.replace("30", "50")).replace(DEMO, DEMO.replace("30", "40", 1))


@pytest.fixture
def sb():
    with fast_portal(80, 5) as sandbox:
        yield sandbox


@pytest.fixture
def edited(sb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for key, value in {"LEADSCORE_HUBSPOT_URL": sb.url, "LEADSCORE_HUBSPOT_TOKEN": sb.token,
                       "LEADSCORE_DATA_DIR": str(tmp_path / "data"), "LEADSCORE_MODEL_PATH": str(MODEL),
                       "LEADSCORE_AS_OF": NOW.isoformat(), "LEADSCORE_HUBSPOT_RATE_LIMIT_PER_10S": "5000",
                       "LEADSCORE_HUBSPOT_SEARCH_PER_SECOND": "500", "COLUMNS": "200"}.items():
        monkeypatch.setenv(key, value)
    _register()
    path = tmp_path / "edited.toml"
    path.write_text(edited_model_text())
    return path


def test_live_compare_shows_the_stage_and_label_moves_and_writes_nothing(sb, edited):
    result = runner.invoke(app, ["compare", "--model", str(edited), "--live", "--format", "json"])
    assert result.exit_code == 0, result.output
    live = json.loads(result.output)["live"]
    assert live["crm"] == "HubSpot" and live["leads"] == 80
    to_sql_lost = [m for m in live["stage_moves"] if m["from"] == "salesqualifiedlead" and m["to"] != m["from"]]
    assert to_sql_lost, live["stage_moves"]
    assert live["moved"] >= sum(m["leads"] for m in to_sql_lost)
    drivers = {d["rule"]: d for d in live["drivers"]}
    assert drivers["stage rule to salesqualifiedlead"]["checks"].startswith("new: fit ≥ 50 and engagement ≥ 20 and a meeting_booked")
    assert all(d["points"] > 0 for rule, d in drivers.items() if rule == "demo_request")
    assert 0 < len(live["examples"]) <= 20
    example = live["examples"][0]
    assert example["baseline"]["stage"] == "salesqualifiedlead" != example["new"]["stage"]
    assert example["baseline"]["reasons"] and example["new"]["reasons"]
    assert all(sb.write_history(cid) == [] for cid in contact_ids(sb))
    assert not [(m, p) for m, p, _ in sb.requests() if m in ("PATCH", "PUT", "DELETE") or p.endswith(("/batch/update", "/properties/contacts", "/groups"))]


def test_live_compare_in_text_and_markdown_has_the_moves_tables(sb, edited):
    text = runner.invoke(app, ["compare", "--model", str(edited), "--live"])
    assert text.exit_code == 0, text.output
    assert "Lifecycle stage moves: " in text.output and "with the new model" in text.output
    assert "leads that move most (baseline → new model)" in text.output
    markdown = runner.invoke(app, ["compare", "--model", str(edited), "--live", "--format", "markdown"])
    assert "#### Lifecycle stage moves: " in markdown.output
    assert "| with the baseline | with the new model | leads |" in markdown.output
    assert "<details><summary>Example leads" in markdown.output


def test_the_reading_model_reads_the_properties_of_both_models():
    baseline = load_model(MODEL)
    candidate = parse_model(MODEL.read_text().replace('property = "industry"', 'property = "hs_industry_x"'), "x.toml")
    both = {plan.property for plan in reading_model(baseline, candidate).fit_plan}
    assert {"industry", "hs_industry_x"} <= both


def test_stage_checks_name_only_the_stages_whose_rules_changed():
    checks = stage_checks(load_model(MODEL), parse_model(edited_model_text(), "edited.toml"))
    assert list(checks) == ["salesqualifiedlead"]
    assert checks["salesqualifiedlead"] == ("new: fit ≥ 50 and engagement ≥ 20 and a meeting_booked within 90 days; "
                                            "baseline: fit ≥ 30 and engagement ≥ 20 and a meeting_booked within 90 days")


def test_the_baseline_is_the_model_the_portal_was_last_synced_with(sb, edited, monkeypatch):
    monkeypatch.setenv("LEADSCORE_MODEL_PATH", str(edited))
    synced = runner.invoke(app, ["sync", "--full"])
    assert synced.exit_code == 0, synced.output
    monkeypatch.setenv("LEADSCORE_MODEL_PATH", str(MODEL))  # the file changed since that sync
    result = runner.invoke(app, ["compare", "--model", str(MODEL), "--live", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "the model portal 'default' was last synced with" in result.output
    assert json.loads(result.output)["live"]["moved"] > 0  # the edit, seen from the other side
