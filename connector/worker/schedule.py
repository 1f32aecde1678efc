"""The worker's schedule: the incremental sync every `sync_interval_seconds`, the full rescore
on `full_rescore_cron`, with APScheduler 3.

Each job has `max_instances=1` (a job still running when it comes due again is skipped, and
APScheduler's skip is logged here as ours), `coalesce=True` (several missed slots run once) and
`misfire_grace_time` (a late start still runs if not too late). The incremental sync also runs
right at start, so a worker restarted after downtime catches up once instead of waiting a whole
interval; `Runs` keeps the two jobs from overlapping each other.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobSubmissionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from connector.observability import metrics
from connector.settings import Settings
from connector.worker.runs import FULL, INCREMENTAL, Runs

log = logging.getLogger(__name__)


def build_scheduler(settings: Settings, runs: Runs, *, full_at_start: bool = False) -> BackgroundScheduler:
    """A scheduler (not started) with the incremental and the full-rescore job.

    `full_at_start`: the last full rescore is older than the cron's previous slot (the worker was
    down when it was due), so the first run is a full one instead of an incremental one.
    """
    scheduler = BackgroundScheduler(
        timezone=settings.schedule_timezone,
        # One thread per job: a full rescore waiting for an incremental run does not block the
        # incremental job's next (skipped) firing, which is what logs the skip.
        executors={"default": ThreadPoolExecutor(max_workers=2)},
        job_defaults={
            "max_instances": 1,
            "coalesce": True,
            "misfire_grace_time": settings.misfire_grace_seconds,
        },
    )
    now = datetime.now(timezone.utc)
    # At start: the incremental sync at once, or the missed full rescore at once and the
    # incremental sync one interval later (its trigger's own first slot).
    first = {} if full_at_start else {"next_run_time": now}
    scheduler.add_job(
        runs.run,
        IntervalTrigger(seconds=settings.sync_interval_seconds, timezone=settings.schedule_timezone),
        args=[INCREMENTAL],
        id=INCREMENTAL,
        name="incremental sync",
        **first,
    )
    scheduler.add_job(
        runs.run,
        CronTrigger.from_crontab(settings.full_rescore_cron, timezone=settings.schedule_timezone),
        args=[FULL],
        id=FULL,
        name="full rescore",
    )
    if full_at_start:
        scheduler.add_job(runs.run, args=[FULL], id="full-catch-up", name="missed full rescore",
                          next_run_time=now)
    scheduler.add_listener(_on_skip(runs), EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
    return scheduler


def _on_skip(runs: Runs):
    def listen(event: JobSubmissionEvent) -> None:
        kind = FULL if event.job_id.startswith(FULL) else INCREMENTAL
        due = ", ".join(t.isoformat() for t in event.scheduled_run_times)
        if event.code == EVENT_JOB_MAX_INSTANCES:
            log.warning("%s sync due at %s skipped: the previous one is still running", kind, due,
                        extra={"kind": kind})
            for name in runs.portals:
                metrics.record_skipped(name, kind)
        else:
            log.warning("%s sync due at %s missed by more than the misfire grace; the next slot "
                        "runs it", kind, due, extra={"kind": kind})

    return listen


def previous_full_slot(settings: Settings, now: datetime) -> datetime | None:
    """The last time at or before `now` the full rescore was due (looking back up to a year)."""
    trigger = CronTrigger.from_crontab(settings.full_rescore_cron, timezone=settings.schedule_timezone)
    for span in (timedelta(hours=1), timedelta(days=1), timedelta(days=8), timedelta(days=367)):
        last, fire = None, trigger.get_next_fire_time(None, now - span)
        while fire is not None and fire <= now:
            last, fire = fire, trigger.get_next_fire_time(fire, fire + timedelta(microseconds=1))
        if last is not None:
            return last
    return None
