"""`leadscore sync` from the command line against the HubSpot sandbox."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from connector.cli import _register, app
from tests.sync.hubspot_helpers import MODEL, NOW, ROOT, batch_updates, fast_portal

runner = CliRunner()


@pytest.fixture
def sb():
    with fast_portal(120, 3) as sandbox:
        yield sandbox


@pytest.fixture
def env(sb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    values = {
        "LEADSCORE_HUBSPOT_URL": sb.url, "LEADSCORE_HUBSPOT_TOKEN": sb.token,
        "LEADSCORE_DATA_DIR": str(tmp_path / "data"), "LEADSCORE_MODEL_PATH": str(MODEL),
        "LEADSCORE_AS_OF": NOW.isoformat(), "LEADSCORE_HUBSPOT_RATE_LIMIT_PER_10S": "5000",
        "LEADSCORE_HUBSPOT_SEARCH_PER_SECOND": "500", "COLUMNS": "200",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    _register()
    return values


def test_dry_run_prints_label_moves_and_changes_and_saves_csv(sb, env, tmp_path):
    result = runner.invoke(app, ["sync", "--dry-run", "--out", "changes.csv"])
    assert result.exit_code == 0, result.output
    assert "dry run: nothing was written" in result.output
    assert "Label moves" in result.output and "Leads that would change" in result.output
    assert "Lifecycle stage moves" in result.output and "Grade moves" in result.output
    assert "120 changes saved to changes.csv" in result.output
    rows = list(csv.DictReader((tmp_path / "changes.csv").open()))
    assert len(rows) == 120 and rows[0]["old_label"] == "" and rows[0]["new_label"] in ("hot", "warm", "cold")
    assert batch_updates(sb) == 0


def test_dry_run_saves_json_after_a_sync_showing_only_what_would_change(sb, env, tmp_path):
    assert runner.invoke(app, ["sync", "--full"]).exit_code == 0
    cid = "1"
    sb.add_engagement(cid, kind="meeting", at=NOW, outcome="completed")
    sb.wait_for_search_index()  # the sandbox's search trails writes, as HubSpot's does
    result = runner.invoke(app, ["sync", "--dry-run", "--out", "changes.json"])
    assert result.exit_code == 0, result.output
    items = json.loads((tmp_path / "changes.json").read_text())
    assert [i["id"] for i in items] == [cid]
    assert int(items[0]["new"]["engagement"]) > int(items[0]["old"]["engagement"])


def test_dry_run_as_markdown_prints_the_moves_and_changes_as_markdown_tables(sb, env):
    result = runner.invoke(app, ["sync", "--dry-run", "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert "\n**dry run: nothing was written." in "\n" + result.output
    assert "#### Lifecycle stage moves: " in result.output and "| from | to | leads |" in result.output
    assert "| lead | label | grade | stage | scores | top reasons |" in result.output
    assert batch_updates(sb) == 0


def test_sync_then_status_shows_the_run(sb, env):
    result = runner.invoke(app, ["sync"])
    assert result.exit_code == 0, result.output
    assert "full sync done: read 120, scored 120, changed 120, written 120" in result.output
    assert "lifecycle stage moves: " in result.output
    status = runner.invoke(app, ["status"])
    assert "full" in status.output and "no failed records" in status.output


def test_sync_without_a_token_exits_1_saying_how_to_fix_it(tmp_path):
    (tmp_path / "empty.env").write_text("")
    proc = subprocess.run(
        [sys.executable, "-m", "connector", "--env-file", str(tmp_path / "empty.env"), "sync"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "LEADSCORE_DATA_DIR": str(tmp_path / "d"),
             "LEADSCORE_MODEL_PATH": str(MODEL), **{k: v for k, v in __import__("os").environ.items()
                                                    if k in ("PYTHONPATH", "HOME")}},
    )
    assert proc.returncode == 1
    assert "LEADSCORE_HUBSPOT_TOKEN is not set" in proc.stderr and "Traceback" not in proc.stderr


def test_dry_run_shows_the_data_warnings_by_kind_with_leads(sb, env):
    sb.set_contact("2", {"jobtitle": "N/A"})
    result = runner.invoke(app, ["sync", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "data warnings (values the scorer could not use" in result.output
    assert "lead 2 (" in result.output and "jobtitle" in result.output
