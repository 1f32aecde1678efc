"""One scheduled run: the sync of every portal in turn, never overlapping another run.

An incremental run that comes due while another run is going is skipped (and logged and
counted); the next one picks up the work from the checkpoint. A full rescore waits for an
incremental run in flight to finish, so that the nightly rescore is never lost. A portal whose
sync fails is reported in one line and the others still run.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from connector.observability import metrics
from connector.observability.context import new_run_id, run_context
from connector.observability.health import RunTracker
from connector.settings import Settings
from connector.sync.abort import Abort
from connector.worker.failures import explain

log = logging.getLogger(__name__)

INCREMENTAL, FULL = "incremental", "full"


@dataclass
class RunReport:
    """How one portal's sync ended. `outcome`: success, failed, or cancelled (stopped between
    batches by a shutdown, its checkpoint saved). `error` is the one-line reason of a failure."""

    outcome: str
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    failed_outstanding: int | None = None


# Syncs one portal: (portal name, its settings, full?, stop event) -> report. Raising is a failure.
SyncPortal = Callable[[str, Settings, bool, threading.Event], RunReport]


class Runs:
    """Runs `sync` for each portal, one run at a time, recording each in metrics and `tracker`."""

    def __init__(
        self,
        portals: Mapping[str, Settings],
        sync: SyncPortal,
        tracker: RunTracker,
        stop: threading.Event | None = None,
        *,
        listed: bool = False,
        owns: Callable[[str], bool] | None = None,
        abort: Abort | None = None,
    ) -> None:
        self.portals = dict(portals)
        # Whether this worker syncs the portal now (replicas sharing portals: its lease).
        self.owns = owns or (lambda name: True)
        self.sync = sync
        self.tracker = tracker
        self.stop = stop or threading.Event()
        self.listed = listed  # portals named in LEADSCORE_PORTALS: errors name their own settings
        self.abort = abort or Abort()  # the syncs' CRM calls, ended when a shutdown's time runs out
        self._busy = threading.Lock()
        self._running: str | None = None
        for name in self.portals:
            tracker.expect(name)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no run is going (True), or `timeout` seconds (False)."""
        if not self._busy.acquire(timeout=timeout):
            return False
        self._busy.release()
        return True

    def run(self, kind: str) -> bool:
        """One run of `kind` over every portal; False if one failed or the run was skipped."""
        if not self._acquire(kind):
            log.warning(
                "%s sync skipped: the %s sync started earlier is still running",
                kind,
                self._running,
                extra={"kind": kind},
            )
            for name in self.portals:
                metrics.record_skipped(name, kind)
            return False
        self._running = kind
        try:
            reports = []
            for name, settings in self.portals.items():
                if self.stop.is_set():
                    log.info("stopping: %s sync of the remaining portals not started", kind)
                    break
                held = self.owns(name)
                self.tracker.hold(name, held)
                if not held:
                    continue
                reports.append(self._run_portal(name, settings, kind))
            return all(r.outcome == "success" for r in reports)
        finally:
            self._running = None
            self._busy.release()

    def _acquire(self, kind: str) -> bool:
        if kind == INCREMENTAL:
            return self._busy.acquire(blocking=False)
        while not self.stop.is_set():
            if self._busy.acquire(timeout=1.0):
                return True
        return False

    def _run_portal(self, name: str, settings: Settings, kind: str) -> RunReport:
        with run_context(portal=name, run_id=new_run_id(), phase=kind):
            self.tracker.started(name)
            metrics.run_started(name)
            log.info("%s sync started", kind, extra={"kind": kind})
            began = time.monotonic()
            try:
                report = self.sync(name, settings, kind == FULL, self.stop)
            except Exception as exc:
                log.debug("sync failed", exc_info=True)
                report = RunReport("failed", error=explain(exc, name if self.listed else None))
            duration = time.monotonic() - began
            self.tracker.finished(name, report.outcome, report.error)
            metrics.record_run(
                name,
                kind,
                report.outcome,
                counts=report.counts,
                duration_seconds=duration,
                finished_at=time.time(),
                failed_outstanding=report.failed_outstanding,
            )
            extra = {"kind": kind, "outcome": report.outcome, "counts": report.counts,
                     "duration_s": round(duration, 3)}
            if report.outcome == "failed":
                log.error("%s sync failed: %s", kind, report.error, extra=extra)
            else:
                log.info("%s sync %s", kind, "finished" if report.outcome == "success"
                         else "stopped early, checkpoint saved", extra=extra)
            return report
