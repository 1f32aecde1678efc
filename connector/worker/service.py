"""The worker process: the health endpoint, the schedule, and a clean stop on a signal.

SIGTERM or SIGINT sets the stop event. The sync in flight sees it between batches, finishes the
batch it is writing, saves the checkpoint and returns (outcome "cancelled"); no new run starts.
The process exits 0 once that is done. If it is not done after `shutdown_timeout_seconds` (the
CRM slow or rate-limiting us), the sync's CRM calls are aborted (`Runs.abort`: its adapter
closed, its retries and rate-limit waits ended); the process exits 1 once the sync has returned,
and the caller releases the lock only then, when nothing of this process can still write. A sync
stuck in a call past ABORT_GRACE_SECONDS more is not waited for: the process exits 1 at once
without releasing the lock (a lock whose process is gone is taken over by the next start on this
host at once, elsewhere after LEADSCORE_LOCK_STALE_SECONDS). A second signal exits at once
(128 + the signal's number): the sync's checkpoint discipline (the checkpoint never passes a
record not yet written or recorded failed) means nothing is lost, and the next start re-reads at
most the batch that was in flight.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

from connector.observability import metrics
from connector.observability.health import RunTracker
from connector.observability.http import HealthServer
from connector.settings import Settings
from connector.worker.runs import Runs
from connector.worker.schedule import build_scheduler

log = logging.getLogger(__name__)

EXIT_OK, EXIT_TIMEOUT = 0, 1
ABORT_GRACE_SECONDS = 3.0  # after the abort, how long the sync gets to return


class Shutdown:
    """Signal handling: the first SIGTERM/SIGINT asks for a clean stop, the second exits now."""

    def __init__(self, stop: threading.Event, exit_now: Callable[[int], None] = os._exit) -> None:
        self.stop = stop
        self.exit_now = exit_now
        self._previous: dict[int, object] = {}

    def install(self) -> Shutdown:
        for signum in (signal.SIGTERM, signal.SIGINT):
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self.stop.is_set():
            log.warning("%s again: exiting now; the next start resumes from the last checkpoint", name)
            _flush_logs()
            self.exit_now(128 + signum)
            return
        log.info("%s: stopping after the batch in flight (a second signal exits at once)", name)
        self.stop.set()


def _flush_logs() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stderr.flush()


def serve(
    settings: Settings,
    runs: Runs,
    tracker: RunTracker,
    *,
    full_at_start: bool = False,
    on_ready: Callable[[HealthServer], None] | None = None,
    exit_now: Callable[[int], None] = os._exit,
) -> int:
    """Run until a signal (or `runs.stop` is set); return the exit code."""
    scheduler = build_scheduler(settings, runs, full_at_start=full_at_start)
    collector = metrics.watch(tracker)
    shutdown = Shutdown(runs.stop).install()
    server = HealthServer(settings.http_host, settings.http_port, tracker,
                          alive=lambda: scheduler.running and not runs.stop.is_set())
    try:
        server.start()
        scheduler.start()
        log.info(
            "worker started",
            extra={"portals": list(runs.portals), "interval_s": settings.sync_interval_seconds,
                   "full_rescore_cron": settings.full_rescore_cron},
        )
        if on_ready:
            on_ready(server)
        while not runs.stop.wait(0.5):
            pass
        scheduler.shutdown(wait=False)
        if not runs.wait_idle(settings.shutdown_timeout_seconds):
            return _abort(settings, runs, exit_now)
        log.info("worker stopped cleanly")
        return EXIT_OK
    finally:
        shutdown.restore()
        server.stop()
        metrics.REGISTRY.unregister(collector)


def watch_deadline(settings: Settings, runs: Runs,
                   exit_now: Callable[[int], None] = os._exit) -> threading.Thread:
    """`run --once` under the same deadline as `serve`: once a signal asks the run to stop, it
    gets `shutdown_timeout_seconds`, then its CRM calls are aborted (see the module's doc)."""

    def watch() -> None:
        runs.stop.wait()
        if not runs.wait_idle(settings.shutdown_timeout_seconds):
            _abort(settings, runs, exit_now)

    thread = threading.Thread(target=watch, name="shutdown-deadline", daemon=True)
    thread.start()
    return thread


def _abort(settings: Settings, runs: Runs, exit_now: Callable[[int], None]) -> int:
    """The shutdown time ran out: end the sync's CRM calls, then exit 1 (see the module's doc)."""
    aborted = runs.abort.trigger()
    log.error("the sync in flight did not stop within LEADSCORE_SHUTDOWN_TIMEOUT_SECONDS=%ss; "
              "aborting its CRM calls (%d open); the next start resumes from the last checkpoint",
              settings.shutdown_timeout_seconds, aborted)
    if runs.wait_idle(ABORT_GRACE_SECONDS):
        _flush_logs()
        return EXIT_TIMEOUT
    log.error("the sync is still inside a CRM call %.0fs after the abort: exiting now without "
              "releasing the worker lock (the next start on this host takes it over at once)",
              ABORT_GRACE_SECONDS)
    _flush_logs()
    exit_now(EXIT_TIMEOUT)
    return EXIT_TIMEOUT
