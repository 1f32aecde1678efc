"""validate, score, sync (and its dry run) and status with two models for one portal."""

from __future__ import annotations

import csv
import io
import json
import threading

import pytest
from typer.testing import CliRunner

from connector.cli import _register, app
from connector.observability import metrics
from connector.worker.portal import sync_portal
from tests.sync.hubspot_helpers import MODEL, NOW, ROOT, fast_portal, settings_for

runner = CliRunner()
ENTERPRISE = ROOT / "config" / "models" / "enterprise.toml"
BOTH = f"{MODEL}, {ENTERPRISE}"
LEADS = ROOT / "config" / "sample_leads.jsonl"


@pytest.fixture
def sb():
    with fast_portal(60, 3) as sandbox:
        yield sandbox


@pytest.fixture
def env(sb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    values = {
        "LEADSCORE_HUBSPOT_URL": sb.url, "LEADSCORE_HUBSPOT_TOKEN": sb.token,
        "LEADSCORE_DATA_DIR": str(tmp_path / "data"), "LEADSCORE_MODEL_PATH": BOTH,
        "LEADSCORE_AS_OF": NOW.isoformat(), "LEADSCORE_HUBSPOT_RATE_LIMIT_PER_10S": "5000",
        "LEADSCORE_HUBSPOT_SEARCH_PER_SECOND": "500", "COLUMNS": "200",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    _register()
    return values


def test_validate_checks_every_model_and_says_which_moves_the_stage(env):
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.output
    assert f"{ENTERPRISE}: OK — model enterprise 1.0.0" in result.output
    assert "key enterprise: its scores are written to <prefix>enterprise_fit" in result.output
    assert "default: b2b-saas-default 1.0.0 writes leadscore's plain names" in result.output
    assert "moves the lifecycle stage (listed first)" in result.output


def test_validate_refuses_two_files_with_one_key(env):
    result = runner.invoke(app, ["validate", f"{ENTERPRISE},{ENTERPRISE}"])
    assert result.exit_code != 0
    assert "both have key 'enterprise'" in str(result.exception)


def test_score_gives_each_lead_a_row_per_model_with_its_key(env):
    result = runner.invoke(app, ["score", "--leads", str(LEADS), "--format", "csv",
                                 "--now", NOW.isoformat()])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["key"] for r in rows[:2]] == ["default", "enterprise"]
    assert rows[0]["id"] == rows[1]["id"] and rows[1]["model"] == "enterprise 1.0.0"
    as_json = json.loads(runner.invoke(app, ["score", "--leads", str(LEADS), "--format", "json",
                                             "--now", NOW.isoformat()]).output)
    assert {item["key"] for item in as_json} == {"default", "enterprise"}


def test_the_dry_run_shows_each_models_label_moves_and_saves_both_sets(env, tmp_path):
    result = runner.invoke(app, ["sync", "--dry-run", "--out", "changes.csv"])
    assert result.exit_code == 0, result.output
    assert "Label moves (default)" in result.output and "Label moves (enterprise)" in result.output
    rows = list(csv.DictReader((tmp_path / "changes.csv").open()))
    assert len(rows) == 60 and rows[0]["new_enterprise_label"] in ("hot", "warm", "cold")
    assert rows[0]["new_label"] in ("hot", "warm", "cold")


def test_sync_and_status_give_the_leads_by_label_of_each_model(env):
    result = runner.invoke(app, ["sync", "--full"])
    assert result.exit_code == 0, result.output
    assert "labels by model: default: " in result.output and "; enterprise: " in result.output
    status = runner.invoke(app, ["status"])
    assert status.exit_code == 0, status.output
    assert "leads by label: default: " in status.output and "enterprise: cold" in status.output


def _labelled(portal: str, model: str) -> float:
    return sum(metrics.REGISTRY.get_sample_value(
        "leadscore_leads_labelled_total", {"portal": portal, "model": model, "label": label}) or 0
        for label in ("hot", "warm", "cold"))


def test_a_worker_run_counts_the_leads_each_model_labelled(sb, tmp_path):
    before = {m: _labelled("multi_p", m) for m in ("default", "enterprise")}
    cfg = settings_for(sb, tmp_path, model_path=BOTH, portal="multi_p")
    report = sync_portal("multi_p", cfg, True, threading.Event())
    assert report.outcome == "success"
    for model in ("default", "enterprise"):
        assert _labelled("multi_p", model) - before[model] == 60
