"""`leadscore run`: the long-running worker, or (`--once`) one run of every portal for a
scheduler ops already have (a Kubernetes CronJob, cron, CI)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import typer

from connector.commands.invocation import portals_of


def run_command(
    once: bool = typer.Option(False, "--once", help="One run of every portal, then exit (non-zero if one failed)."),
    full: bool = typer.Option(False, "--full", help="With --once: a full rescore instead of an incremental sync."),
) -> None:
    """Run the worker: the sync on a schedule, /healthz /readyz /metrics, clean stop on SIGTERM."""
    from connector.observability.health import RunTracker
    from connector.sync.abort import Abort
    from connector.sync.service import open_store
    from connector.worker.lock import WorkerLock
    from connector.worker.portal import sync_portal
    from connector.worker.runs import FULL, INCREMENTAL, Runs
    from connector.worker.service import Shutdown, serve, watch_deadline

    if full and not once:
        raise typer.BadParameter("--full goes with --once (the worker's full rescore follows "
                                 "LEADSCORE_FULL_RESCORE_CRON)", param_hint="--full")
    cfg, portals = portals_of(None)
    with open_store(cfg) as store:
        with WorkerLock(store, wait_seconds=cfg.lock_wait_seconds,
                        stale_seconds=cfg.lock_stale_seconds, portals=portals,
                        replica=True) as lock:
            tracker = RunTracker(cfg.readiness_max_age_seconds)
            abort = Abort()
            runs = Runs(portals, partial(sync_portal, abort=abort, holds=lock.holds), tracker,
                        listed=bool(cfg.portals), owns=lock.owns, abort=abort)
            restore_last_success(tracker, portals)
            if once:
                shutdown = Shutdown(runs.stop).install()
                watch_deadline(cfg, runs)
                try:
                    ok = runs.run(FULL if full else INCREMENTAL)
                finally:
                    shutdown.restore()
                code = 0 if ok else 1
            else:
                code = serve(cfg, runs, tracker, full_at_start=full_rescore_missed(cfg, portals))
    if code:
        raise typer.Exit(code)


def restore_last_success(tracker, portals) -> None:
    """/readyz after a restart: each portal's last successful run in the state store counts."""
    from connector.sync.service import open_store

    for name, portal in portals.items():
        with open_store(portal) as store:
            last = store.last_success(portal.portal, ["incremental", "full"])
        if last is not None and last.finished_at is not None:
            tracker.restore(name, last.finished_at.timestamp())


def full_rescore_missed(cfg, portals) -> bool:
    """The cron's last full-rescore slot passed without a successful full run of some portal
    (the worker was down then): the worker starts with that full rescore."""
    from connector.sync.service import open_store
    from connector.worker.schedule import previous_full_slot

    slot = previous_full_slot(cfg, datetime.now(UTC))
    if slot is None:
        return False
    for portal in portals.values():
        with open_store(portal) as store:
            last = store.last_success(portal.portal, ["full"])
        if last is None or last.started_at < slot:
            return True
    return False


def register(app: typer.Typer) -> None:
    app.command("run")(run_command)
