from datetime import datetime, timezone

from typer.testing import CliRunner

from connector.cli import _register, app
from connector.state import RecordOutcome, RunStats, StateStore, default_url

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
runner = CliRunner()


def invoke(tmp_path, monkeypatch, *args):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADSCORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADSCORE_PORTAL", "acme")
    monkeypatch.setenv("COLUMNS", "200")
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


def test_status_shows_the_last_runs_data_warnings_by_kind(tmp_path, monkeypatch):
    store = StateStore.open(default_url(tmp_path / "data"))
    run = store.start_run("acme", "full", T0)
    store.finish_run(run, RunStats(read=10, scored=10, warnings={"not_a_number": 4, "no_timestamp": 1}),
                     outcome="ok", finished_at=T0, duration_s=1.0)
    store.close()
    result = invoke(tmp_path, monkeypatch, "status")
    assert result.exit_code == 0, result.output
    assert "data warnings" in result.output and "no_timestamp 1, not_a_number 4" in result.output
