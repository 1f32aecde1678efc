"""`leadscore status` after a killed run (issue 13, item 8): the run shows as interrupted, with
when its process was last seen, once the next worker has started."""

from datetime import UTC, datetime

from typer.testing import CliRunner

from connector.cli import _register, app
from connector.state import StateStore, default_url
from connector.worker.lock import WorkerLock

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_status_shows_a_killed_run_as_interrupted_with_when_it_was_last_seen(tmp_path, monkeypatch):
    killed = StateStore.open(default_url(tmp_path / "data"))
    killed.clock = lambda: T0
    killed.start_run("acme", "full", T0)  # its process is SIGKILLed: the run stays "running"
    killed.close()
    store = StateStore.open(default_url(tmp_path / "data"))
    WorkerLock(store, wait_seconds=0, stale_seconds=120, owner="next-host pid 2").acquire().release()
    store.close()

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADSCORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADSCORE_PORTAL", "acme")
    monkeypatch.setenv("COLUMNS", "200")
    _register()
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "interrupted" in result.output
    assert "last seen working 2026-03-02 09:30:00 UTC" in result.output
