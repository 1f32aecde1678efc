"""`leadscore demo`: the seeded sandbox, a full sync, the summary, one contact, then a clean stop."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from connector.cli import _register, app
from tests.sync.hubspot_helpers import MODEL

runner = CliRunner()


def run_demo(tmp_path, monkeypatch, *args: str) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADSCORE_MODEL_PATH", str(MODEL))
    monkeypatch.setenv("COLUMNS", "200")
    _register()
    result = runner.invoke(app, ["demo", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_syncs_the_seeded_sandbox_and_shows_the_summary(tmp_path, monkeypatch):
    out = run_demo(tmp_path, monkeypatch, "--contacts", "150")
    assert "read 150, scored 150, changed 150, written 150, failed 0" in out
    used, floor = map(int, re.search(r"API calls: (\d+) used, (\d+) the fewest", out).groups())
    assert floor <= used <= floor * 1.1
    assert "Label distribution" in out and "Grades (fit band × engagement band)" in out
    assert "The 10 hottest leads" in out
    assert re.search(r"The 10 hottest leads \(\d+ customers left out\)", out)  # no customer among them
    assert re.search(r"Contact \d+ in HubSpot, as a rep sees it", out)
    assert "leadscore_reasons" in out and "leadscore_label: hot" in out
    assert not (tmp_path / "data").exists()  # the demo kept its state in a temporary directory


def test_demo_shows_the_hottest_companies_with_their_contributing_contacts(tmp_path, monkeypatch):
    out = run_demo(tmp_path, monkeypatch, "--contacts", "150")
    scored, written, calls = map(int, re.search(
        r"Accounts: (\d+) scored, (\d+) written, (\d+) API calls for them", out).groups())
    assert scored == written > 10 and calls <= 5  # one associations call, batch reads and writes of 100
    assert "hottest accounts and who makes them hot" in out
    assert re.search(r"│ [^│]+ \(\d+\)\s+│", out)  # a contributing contact with its engagement
