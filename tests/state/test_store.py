from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from connector.state import RecordOutcome, RunStats, StateStore, default_url
from connector.state import migrations

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)


@pytest.fixture
def store(state_url):
    s = StateStore.open(state_url)
    yield s
    s.close()


def test_opening_creates_the_sqlite_file_under_the_data_dir(tmp_path):
    StateStore.open(default_url(tmp_path / "data")).close()
    assert (tmp_path / "data" / "leadscore.sqlite").is_file()


def test_checkpoint_is_kept_per_portal(store):
    store.save_checkpoint("acme", "cp-1", T0)
    store.save_checkpoint("globex", "cp-9", T0)
    store.save_checkpoint("acme", "cp-2", T0)
    assert store.checkpoint("acme") == "cp-2"
    assert store.checkpoint("globex") == "cp-9"
    assert store.checkpoint("initech") is None


def test_checkpoint_survives_reopening(state_url):
    url = state_url
    first = StateStore.open(url)
    first.save_checkpoint("acme", "cp-1", T0)
    first.close()
    assert StateStore.open(url).checkpoint("acme") == "cp-1"


def test_failed_record_keeps_reason_and_counts_attempts(store):
    store.record_outcomes("acme", [RecordOutcome("51", ok=False, reason="INVALID_OPTION")], T0)
    later = T0 + timedelta(minutes=5)
    store.record_outcomes("acme", [RecordOutcome("51", ok=False, reason="still bad")], later)
    [rec] = store.failed("acme")
    assert (rec.lead_id, rec.reason, rec.attempts) == ("51", "still bad", 2)
    assert rec.first_failed_at == T0 and rec.last_failed_at == later


def test_success_clears_an_earlier_failure_and_stores_its_marker(store):
    store.record_outcomes("acme", [RecordOutcome("51", ok=False, reason="x")], T0)
    store.record_outcomes("acme", [RecordOutcome("51", ok=True, marker="2026-03-02T09:31:00.000Z")], T0)
    assert store.failed("acme") == []
    assert store.markers("acme", ["51", "52"]) == {"51": "2026-03-02T09:31:00.000Z"}


def test_markers_are_replaced_by_the_latest_write(store):
    store.record_outcomes("acme", [RecordOutcome("7", ok=True, marker="m1")], T0)
    store.record_outcomes("acme", [RecordOutcome("7", ok=True, marker="m2")], T0)
    assert store.markers("acme", ["7"]) == {"7": "m2"}
    assert store.markers("globex", ["7"]) == {}


def test_a_batch_clears_failures_and_marks_its_successes_and_keeps_its_failures(store):
    store.record_outcomes("acme", [RecordOutcome(str(i), ok=False, reason="x") for i in range(1, 4)], T0)
    store.record_outcomes("acme", [RecordOutcome("1", ok=True, marker="m1"), RecordOutcome("2", ok=True),
                                   RecordOutcome("3", ok=True, marker="m3"),
                                   RecordOutcome("3", ok=False, reason="bad again")], T0)
    [rec] = store.failed("acme")
    assert (rec.lead_id, rec.reason, rec.attempts) == ("3", "bad again", 1)
    assert store.markers("acme", ["1", "2", "3"]) == {"1": "m1", "3": "m3"}


def test_run_history_records_counts_and_api_calls_newest_first(store):
    first = store.start_run("acme", "full", T0)
    stats = RunStats(read=10, scored=9, changed=4, written=3, failed=1, skipped=1,
                     api_calls={"POST /crm/v3/objects/contacts/search": 2}, rate_limited=1, retries=2)
    store.finish_run(first, stats, outcome="ok", finished_at=T0 + timedelta(seconds=3), duration_s=3.0)
    second = store.start_run("acme", "incremental", T0 + timedelta(minutes=5))
    store.finish_run(second, RunStats(), outcome="failed", finished_at=T0 + timedelta(minutes=6),
                     duration_s=60.0, error="CRM unavailable")
    runs = store.runs("acme")
    assert [r.id for r in runs] == [second, first]
    assert runs[1].stats == stats
    assert runs[0].outcome == "failed" and runs[0].error == "CRM unavailable"
    assert runs[1].started_at == T0


def test_last_success_skips_failed_runs_and_other_modes(store):
    full = store.start_run("acme", "full", T0)
    store.finish_run(full, RunStats(), outcome="ok", finished_at=T0, duration_s=1)
    failed_full = store.start_run("acme", "full", T0)
    store.finish_run(failed_full, RunStats(), outcome="failed", finished_at=T0, duration_s=1)
    inc = store.start_run("acme", "incremental", T0)
    store.finish_run(inc, RunStats(), outcome="ok", finished_at=T0, duration_s=1)
    assert store.last_success("acme", ["full"]).id == full


def test_naive_times_are_refused(store):
    with pytest.raises(sa.exc.StatementError):
        store.save_checkpoint("acme", "cp", datetime(2026, 1, 1))


def test_schema_is_at_the_latest_version_and_reopening_does_not_migrate_again(state_url):
    url = state_url
    StateStore.open(url).close()
    store = StateStore.open(url)
    with store.engine.connect() as conn:
        assert migrations.current_version(conn) == migrations.LATEST
        assert conn.execute(sa.text("select count(*) from schema_version")).scalar() == 1


def test_a_newer_schema_than_this_leadscore_knows_is_refused(tmp_path):
    url = default_url(tmp_path)
    store = StateStore.open(url)
    with store.engine.begin() as conn:
        conn.execute(sa.text("update schema_version set version = 99"))
    store.close()
    with pytest.raises(RuntimeError, match="schema version 99, newer"):
        StateStore.open(url)


def test_a_version_1_store_gains_the_runs_api_quota_and_keeps_its_runs(tmp_path, monkeypatch):
    url = default_url(tmp_path)
    monkeypatch.setattr(migrations, "LATEST", 1)
    old = StateStore.open(url)
    with old.engine.begin() as conn:  # a run as leadscore with schema 1 wrote it
        conn.execute(sa.text(
            "insert into runs (portal, mode, outcome, started_at, read, scored, changed, written, failed, "
            "skipped, api_calls, rate_limited, retries) values ('p', 'full', 'running', "
            "'2026-03-01 00:00:00.000000', 0, 0, 0, 0, 0, 0, '{}', 0, 0)"))
        run = conn.execute(sa.text("select max(id) from runs")).scalar()
    old.close()
    monkeypatch.undo()
    store = StateStore.open(url)
    [record] = store.runs("p")
    assert record.id == run and record.stats.api_quota == {}
    store.finish_run(run, RunStats(api_quota={"daily_used": 5, "daily_max": 100}), outcome="ok",
                     finished_at=datetime(2026, 3, 1, 0, 1, tzinfo=timezone.utc), duration_s=60.0)
    assert store.runs("p")[0].stats.api_quota == {"daily_used": 5, "daily_max": 100}


def _store_at(url, *clock):
    """A store whose wall clock reads `clock` in turn (when a run's process is seen)."""
    times = iter(clock)
    store = StateStore.open(url)
    store.clock = lambda: next(times)
    return store


def test_a_run_left_running_is_marked_interrupted_with_when_its_process_was_last_seen(state_url):
    seen = T0 + timedelta(minutes=3)
    store = _store_at(state_url, T0, seen)
    run = store.start_run("acme", "full", T0)
    store.save_checkpoint("acme", "cp-1", T0)  # a page done: seen at T0 + 3 min
    assert store.interrupt_runs(None) == 1
    [record] = store.runs("acme")
    assert (record.id, record.outcome, record.seen_at) == (run, "interrupted", seen)
    assert "last seen working 2026-03-02 09:33:00 UTC" in record.error


def test_finished_runs_and_other_portals_runs_are_not_interrupted(state_url):
    store = _store_at(state_url, T0, T0, T0, T0)
    done = store.start_run("acme", "full", T0)
    store.finish_run(done, RunStats(), outcome="ok", finished_at=T0, duration_s=1)
    other = store.start_run("globex", "full", T0)
    assert store.interrupt_runs("acme") == 0
    assert [r.outcome for r in store.runs()] == ["running", "ok"] and store.runs()[0].id == other


def test_a_dry_run_is_interrupted_only_once_not_seen_for_the_stale_time(state_url):
    store = _store_at(state_url, T0, T0 + timedelta(seconds=30), T0 + timedelta(seconds=200))
    store.start_run("acme", "dry-run", T0)
    assert store.interrupt_runs(None, idle_for=timedelta(seconds=120)) == 0
    assert store.interrupt_runs(None, idle_for=timedelta(seconds=120)) == 1
