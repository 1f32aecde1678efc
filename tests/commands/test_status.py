from datetime import datetime, timezone

from rich.console import Console
from typer.testing import CliRunner

from connector.cli import _register, app
from connector.commands import sync as sync_commands
from connector.state import RecordOutcome, RunStats, StateStore, default_url

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
runner = CliRunner()


def invoke(tmp_path, monkeypatch, *args, columns=200):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADSCORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADSCORE_PORTAL", "acme")
    monkeypatch.setenv("COLUMNS", str(columns))
    _register()
    return runner.invoke(app, list(args))


def test_status_before_any_run_says_so(tmp_path, monkeypatch):
    result = invoke(tmp_path, monkeypatch, "status")
    assert result.exit_code == 0
    assert "no sync has run yet for portal 'acme'" in result.output


def test_status_shows_last_runs_and_failed_records(tmp_path, monkeypatch):
    store = StateStore.open(default_url(tmp_path / "data"))
    run = store.start_run("acme", "incremental", T0)
    store.finish_run(run, RunStats(read=120, scored=118, written=7, failed=1,
                                   api_calls={"POST /crm/v3/objects/contacts/search": 3}),
                     outcome="ok", finished_at=T0, duration_s=2.5)
    store.record_outcomes("acme", [RecordOutcome("4711", ok=False, reason="INVALID_OPTION bad label")], T0)
    store.close()
    result = invoke(tmp_path, monkeypatch, "status")
    assert result.exit_code == 0, result.output
    assert "incremental" in result.output and "120" in result.output
    assert "4711" in result.output and "INVALID_OPTION bad label" in result.output


def test_status_shows_the_companies_the_account_pass_failed_to_write(tmp_path, monkeypatch):
    store = StateStore.open(default_url(tmp_path / "data"))
    run = store.start_run("acme", "incremental", T0)
    store.finish_run(run, RunStats(read=3, scored=3), outcome="ok", finished_at=T0, duration_s=1.0)
    store.record_outcomes("acme#accounts", [RecordOutcome("9001", ok=False, reason="VALIDATION_ERROR bad grade")], T0)
    store.close()
    result = invoke(tmp_path, monkeypatch, "status")
    assert result.exit_code == 0, result.output
    assert "Failed companies (accounts) (1)" in result.output
    assert "9001" in result.output and "VALIDATION_ERROR bad grade" in result.output
    assert "no failed records" not in result.output


def test_status_is_readable_at_80_columns(tmp_path, monkeypatch):
    store = StateStore.open(default_url(tmp_path / "data"))
    run = store.start_run("acme", "incremental", T0)
    store.finish_run(run, RunStats(read=1_234_567, scored=1_234_560, changed=98_765, written=98_761, failed=4,
                                   api_calls={"POST /crm/v3/objects/contacts/search": 12_345}, rate_limited=17, retries=23),
                     outcome="interrupted", finished_at=T0, duration_s=4321.5)
    store.record_outcomes("acme", [RecordOutcome("4711", ok=False, reason="INVALID_OPTION bad label")], T0)
    store.close()
    # The command's console is made when first imported, at whatever width the terminal had then.
    monkeypatch.setattr(sync_commands, "console", Console(width=80))
    result = invoke(tmp_path, monkeypatch, "status", columns=80)
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    for figure in ("1,234,567", "1,234,560", "98,765", "98,761", "12,345", "4321.5 s", "incremental", "interrupted"):
        assert figure in result.output


def test_status_shows_the_last_runs_data_warnings_by_kind(tmp_path, monkeypatch):
    store = StateStore.open(default_url(tmp_path / "data"))
    run = store.start_run("acme", "full", T0)
    store.finish_run(run, RunStats(read=10, scored=10, warnings={"not_a_number": 4, "no_timestamp": 1}),
                     outcome="ok", finished_at=T0, duration_s=1.0)
    store.close()
    result = invoke(tmp_path, monkeypatch, "status")
    assert result.exit_code == 0, result.output
    assert "data warnings" in result.output and "no_timestamp 1, not_a_number 4" in result.output
