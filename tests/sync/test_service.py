from datetime import UTC, datetime, timedelta

from connector.settings import Settings
from connector.state import RunStats, StateStore, default_url
from connector.sync.service import full_rescore_due

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def settings(tmp_path, hours):
    return Settings(_env_file=None, data_dir=tmp_path, full_rescore_hours=hours, portal="acme")


def record(store, mode, when):
    run = store.start_run("acme", mode, when)
    store.finish_run(run, RunStats(), outcome="ok", finished_at=when, duration_s=1)


def test_a_portal_never_fully_scored_is_due_a_full_rescore(tmp_path):
    store = StateStore.open(default_url(tmp_path))
    assert full_rescore_due(store, settings(tmp_path, 24), NOW)


def test_full_rescore_comes_due_when_the_last_is_older_than_the_setting(tmp_path):
    store = StateStore.open(default_url(tmp_path))
    record(store, "full", NOW - timedelta(hours=23))
    record(store, "incremental", NOW - timedelta(minutes=5))
    assert not full_rescore_due(store, settings(tmp_path, 24), NOW)
    assert full_rescore_due(store, settings(tmp_path, 24), NOW + timedelta(hours=2))


def test_zero_hours_means_only_on_request(tmp_path):
    store = StateStore.open(default_url(tmp_path))
    assert not full_rescore_due(store, settings(tmp_path, 0), NOW)


def test_blank_as_of_from_an_env_file_means_the_clock(tmp_path):
    env = tmp_path / "w.env"
    env.write_text("LEADSCORE_AS_OF=\nLEADSCORE_STATE_URL=\n")
    loaded = Settings(_env_file=env)
    assert loaded.as_of is None and loaded.state_url is None
