import logging
import threading
from datetime import datetime, timedelta, timezone

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from connector.observability import metrics
from connector.settings import Settings
from connector.worker.schedule import build_scheduler, previous_full_slot

from .conftest import FakeSync


def jobs(scheduler, *ids):
    """The jobs as the running scheduler holds them (defaults applied), without running any."""
    scheduler.start(paused=True)
    try:
        return [scheduler.get_job(i) for i in ids]
    finally:
        scheduler.shutdown()


def test_both_jobs_come_from_settings(make_runs, monkeypatch):
    settings = Settings(sync_interval_seconds=120, full_rescore_cron="30 2 * * 1-5",
                        misfire_grace_seconds=77)
    incremental, full = jobs(build_scheduler(settings, make_runs(FakeSync())), "incremental", "full")
    assert isinstance(incremental.trigger, IntervalTrigger)
    assert incremental.trigger.interval == timedelta(seconds=120)
    assert isinstance(full.trigger, CronTrigger)
    fields = {f.name: str(f) for f in full.trigger.fields}
    assert (fields["minute"], fields["hour"], fields["day_of_week"]) == ("30", "2", "1-5")
    for job in (incremental, full):
        assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 77)


def test_the_incremental_sync_runs_at_start_to_catch_up(settings, make_runs):
    scheduler = build_scheduler(settings, make_runs(FakeSync()))
    first = scheduler.get_job("incremental").next_run_time
    assert abs(first - datetime.now(timezone.utc)) < timedelta(seconds=5)
    assert scheduler.get_job("full-catch-up") is None


def test_a_missed_full_rescore_runs_once_at_start(settings, make_runs):
    scheduler = build_scheduler(settings, make_runs(FakeSync()), full_at_start=True)
    catch_up, incremental = jobs(scheduler, "full-catch-up", "incremental")
    assert abs(catch_up.next_run_time - datetime.now(timezone.utc)) < timedelta(seconds=5)
    assert incremental.next_run_time - datetime.now(timezone.utc) > timedelta(seconds=60)


def test_previous_full_slot_is_the_last_cron_time_before_now():
    settings = Settings(full_rescore_cron="0 3 * * *")
    at = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
    assert previous_full_slot(settings, at) == datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc)
    early = datetime(2026, 11, 22, 2, 0, tzinfo=timezone.utc)
    assert previous_full_slot(settings, early) == datetime(2026, 11, 21, 3, 0, tzinfo=timezone.utc)


def test_the_scheduler_fires_both_jobs(settings, make_runs):
    sync = FakeSync()
    runs = make_runs(sync)
    scheduler = build_scheduler(settings, runs)
    both = threading.Event()
    original = runs.run

    def run(kind):
        result = original(kind)
        if {k for _, k in sync.calls} == {"incremental", "full"}:
            both.set()
        return result

    runs.run = run
    for job in scheduler.get_jobs():
        job.func = run
    scheduler.start()
    try:
        sync.started.wait(10)
        scheduler.get_job("full").modify(next_run_time=datetime.now(timezone.utc))
        assert both.wait(10)
    finally:
        scheduler.shutdown()
    assert ("acme", "incremental") in sync.calls and ("acme", "full") in sync.calls


def test_a_job_due_while_it_still_runs_is_skipped_and_logged(settings, make_runs, caplog):
    gate = threading.Event()
    sync = FakeSync(gate=gate)
    runs = make_runs(sync, portals=("skipco",))
    scheduler = build_scheduler(settings, runs)
    before = metrics.REGISTRY.get_sample_value(
        "leadscore_sync_runs_total", {"portal": "skipco", "kind": "incremental", "outcome": "skipped"}
    ) or 0
    scheduler.start()
    try:
        assert sync.started.wait(10)
        with caplog.at_level(logging.WARNING, logger="connector.worker.schedule"):
            scheduler.get_job("incremental").modify(next_run_time=datetime.now(timezone.utc))
            for _ in range(100):
                if "skipped" in caplog.text:
                    break
                threading.Event().wait(0.05)
        gate.set()
    finally:
        scheduler.shutdown()
    assert "incremental sync due at" in caplog.text and "still running" in caplog.text
    assert len(sync.calls) == 1
    after = metrics.REGISTRY.get_sample_value(
        "leadscore_sync_runs_total", {"portal": "skipco", "kind": "incremental", "outcome": "skipped"}
    )
    assert after == before + 1
