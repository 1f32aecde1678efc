"""One model path rule for every command: a relative path is read from the current directory, the
default model is the package's own, and a run loads and checks the model once."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

import connector.scoring
import connector.scoring.modelset
from connector.cli import _register, app
from connector.sandbox.hubspot import HubSpotSandbox
from connector.worker.portal import sync_portal
from tests.sync.hubspot_helpers import ANCHOR, NOW, ROOT, fast_portal, settings_for

runner = CliRunner()
PACKAGED = ROOT / "connector" / "defaults" / "scoring.toml"


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """A working directory outside the project, with no LEADSCORE_ variable set."""
    for key in [k for k in os.environ if k.startswith("LEADSCORE_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADSCORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    _register()
    return tmp_path


def test_config_scoring_toml_is_the_packaged_default_model_not_a_copy():
    assert (ROOT / "config" / "scoring.toml").resolve() == PACKAGED.resolve()
    assert connector.scoring.load_model().source == str(PACKAGED)


def test_outside_the_project_validate_and_sync_both_use_the_packaged_model(elsewhere):
    validated = runner.invoke(app, ["validate"])
    assert validated.exit_code == 0, validated.output
    assert f"{PACKAGED}: OK — model b2b-saas-default" in validated.output
    with HubSpotSandbox.start(contacts=20, seed=3, anchor=ANCHOR) as sb:
        synced = runner.invoke(app, ["sync", "--dry-run"], env={
            "LEADSCORE_HUBSPOT_URL": sb.url, "LEADSCORE_HUBSPOT_TOKEN": sb.token,
            "LEADSCORE_AS_OF": NOW.isoformat()})
    assert synced.exit_code == 0, synced.output
    assert "dry run: nothing was written" in synced.output


@pytest.mark.parametrize("command", [["validate"], ["sync"], ["backtest", "--from-crm"]])
def test_a_missing_relative_model_path_says_the_absolute_path_tried_and_the_fix(elsewhere, command):
    result = runner.invoke(app, command, env={"LEADSCORE_MODEL_PATH": "models/b2b.toml",
                                              "LEADSCORE_HUBSPOT_TOKEN": "pat-na1-unused"})
    message = " ".join(str(result.exception).split())
    assert result.exit_code != 0
    assert "LEADSCORE_MODEL_PATH=models/b2b.toml: no such file" in message
    assert f"relative to the current directory (this looked for {elsewhere / 'models' / 'b2b.toml'})" in message
    assert "leave LEADSCORE_MODEL_PATH unset for the default model" in message


def test_a_missing_model_option_names_the_option(elsewhere):
    result = runner.invoke(app, ["score", "--leads", "x.jsonl", "--model", "nope.toml"])
    message = str(result.exception)
    assert message.startswith("--model nope.toml: no such file; fix:")
    assert f"(this looked for {Path(elsewhere, 'nope.toml')})" in message


def test_a_worker_run_loads_and_checks_the_model_once(tmp_path, monkeypatch):
    loads = []
    real = connector.scoring.modelset.load_model  # every model file of LEADSCORE_MODEL_PATH

    def counting(*args, **kwargs):
        loads.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(connector.scoring.modelset, "load_model", counting)
    with fast_portal(20, 3) as sb:
        report = sync_portal("test", settings_for(sb, tmp_path, as_of=NOW), True, threading.Event())
    assert report.outcome == "success"
    assert len(loads) == 1
