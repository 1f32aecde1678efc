"""What the worker knows of each portal's last runs, for `/readyz` and the time-since-success
gauge. The worker records each run's end here; nothing else writes to it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class PortalHealth:
    last_outcome: str | None = None  # success, failed, cancelled
    last_finished_at: float | None = None  # unix time
    last_success_at: float | None = None
    last_error: str | None = None  # the one-line reason of the last failure
    running: bool = False
    held: bool = True  # this worker syncs it (replicas sharing portals: it holds the lease)


class RunTracker:
    """Thread-safe record of each portal's last run. `clock` returns unix time (tests pass one)."""

    def __init__(self, max_age_seconds: float, clock: Callable[[], float] = time.time) -> None:
        self.max_age_seconds = max_age_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._portals: dict[str, PortalHealth] = {}

    def expect(self, portal: str) -> None:
        """Declare a portal the worker serves, so that it counts as not ready until it syncs."""
        with self._lock:
            self._portals.setdefault(portal, PortalHealth())

    def started(self, portal: str) -> None:
        with self._lock:
            self._portals.setdefault(portal, PortalHealth()).running = True

    def finished(self, portal: str, outcome: str, error: str | None = None) -> None:
        now = self.clock()
        with self._lock:
            health = self._portals.setdefault(portal, PortalHealth())
            health.running = False
            health.last_outcome, health.last_finished_at, health.last_error = outcome, now, error
            if outcome == "success":
                health.last_success_at = now

    def hold(self, portal: str, held: bool) -> None:
        """Whether this worker syncs the portal now: replicas sharing portals over PostgreSQL
        each hold some; readiness counts only those held."""
        with self._lock:
            self._portals.setdefault(portal, PortalHealth()).held = held

    def held(self) -> dict[str, bool]:
        with self._lock:
            return {p: h.held for p, h in self._portals.items()}

    def restore(self, portal: str, success_at: float) -> None:
        """At start: the portal's last successful sync (unix time) as the state store recorded
        it, so a restarted worker is ready at once if that sync is recent enough."""
        with self._lock:
            health = self._portals.setdefault(portal, PortalHealth())
            if health.last_outcome is None:
                health.last_outcome, health.last_finished_at = "success", success_at
                health.last_success_at = success_at

    def seconds_since_success(self) -> dict[str, float]:
        now = self.clock()
        with self._lock:
            return {
                p: now - h.last_success_at
                for p, h in self._portals.items()
                if h.last_success_at is not None
            }

    def readiness(self) -> tuple[bool, dict[str, dict[str, object]]]:
        """Ready when every portal it holds had its last finished run succeed (so its CRM
        answered) no longer than `max_age_seconds` ago; a replica holding none stands by, ready.
        Returns the verdict and each portal's detail (`held`: synced by this worker)."""
        now = self.clock()
        detail: dict[str, dict[str, object]] = {}
        with self._lock:
            portals = dict(self._portals)
        for portal, h in sorted(portals.items()):
            age = None if h.last_success_at is None else round(now - h.last_success_at, 1)
            if not h.held:
                problem = None
            elif h.last_outcome is None:
                problem = "no sync has finished yet"
            elif h.last_outcome != "success":
                problem = f"last sync {h.last_outcome}: {h.last_error or 'no reason recorded'}"
            elif age is not None and age > self.max_age_seconds:
                problem = f"last successful sync {age:.0f}s ago (limit {self.max_age_seconds:.0f}s)"
            else:
                problem = None
            detail[portal] = {
                "ready": problem is None,
                "problem": problem,
                "seconds_since_success": age,
                "running": h.running,
                "held": h.held,
            }
        ready = bool(detail) and all(d["ready"] for d in detail.values())
        return ready, detail
