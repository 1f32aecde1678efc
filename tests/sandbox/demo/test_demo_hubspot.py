"""`leadscore demo`: the seeded sandbox, a full sync, the summary, one contact, then a clean stop."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connector.cli import _register, app

runner = CliRunner()


def run_demo(tmp_path, monkeypatch, *args: str) -> str:
    """The demo's output, with the two models shipped with leadscore (LEADSCORE_MODEL_PATH unset)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEADSCORE_MODEL_PATH", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    _register()
    result = runner.invoke(app, ["demo", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def hubspot_demo(tmp_path_factory) -> tuple[str, Path]:
    """One demo run (150 contacts) for the tests of what it shows."""
    where = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as monkeypatch:
        return run_demo(where, monkeypatch, "--contacts", "150"), where


def test_demo_syncs_the_seeded_sandbox_and_shows_the_summary(hubspot_demo):
    out, where = hubspot_demo
    assert "read 150, scored 150, changed 150, written 150, failed 0" in out
    used, floor = map(int, re.search(r"API calls: (\d+) used, (\d+) the fewest", out).groups())
    assert floor <= used <= floor * 1.1
    assert "Label distribution" in out and "Grades (fit band × engagement band)" in out
    assert "The 10 hottest leads" in out
    assert re.search(r"The 10 hottest leads \(\d+ customers left out\)", out)  # no customer among them
    assert re.search(r"Contact \d+ in HubSpot, as a rep sees it", out)
    assert "leadscore_reasons" in out and "leadscore_label: hot" in out
    assert not (where / "data").exists()  # the demo kept its state in a temporary directory


def test_demo_shows_the_hottest_companies_with_their_contributing_contacts(hubspot_demo):
    out, _ = hubspot_demo
    scored, written, calls = map(int, re.search(
        r"Accounts: (\d+) scored, (\d+) written, (\d+) API calls for them", out).groups())
    assert scored == written > 10 and calls <= 5  # one associations call, batch reads and writes of 100
    assert "hottest accounts and who makes them hot" in out
    assert re.search(r"│ [^│]+ \(\d+\)\s+│", out)  # a contributing contact with its engagement


def test_demo_shows_two_scores_the_shipped_models_give(hubspot_demo):
    out, _ = hubspot_demo
    assert "Label distribution (default)" in out and "(enterprise)" in out
    assert "enterprise score" in out  # the second model's score beside each hottest lead
    assert re.search(r"│ (hot|warm|cold) [A-D][1-4]\s+│", out)


def test_demo_shows_the_owner_tasks_it_would_make_for_leads_turned_hot(hubspot_demo):
    out, _ = hubspot_demo
    made, unowned = map(int, re.search(
        r"Owner tasks \(LEADSCORE_OWNER_TASKS=hot\): (\d+) would be made.*; (\d+) such leads have no owner",
        out).groups())
    hot = int(re.search(r"│ hot\s+│\s+(\d+) │", out).group(1))  # the default model's hot contacts
    assert made > 0 and made + unowned == hot  # every contact is new: each hot one turned hot
    assert re.search(r"Follow up: .+ is a hot lead", out) and "Why:" in out
