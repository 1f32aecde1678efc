"""The worker lock in the state store: two workers started against the same state by mistake
must not both sync. The second waits up to `lock_wait_seconds`, then exits saying who holds it.

The holder renews a heartbeat every third of `lock_stale_seconds`; a lock not renewed for that
long belongs to a worker that crashed (SIGKILL, a lost node) and the next worker takes it over.
A holder on this same host whose process is gone is taken over at once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

from connector.errors import UserError
from connector.state import StateStore

log = logging.getLogger(__name__)

LOCK_NAME = "worker"


def this_process() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}"


def _dead_here(owner: str) -> bool:
    """The holder ran on this host and its process is gone (killed, crashed): no need to wait
    for its heartbeat to go stale."""
    host, _, pid = owner.rpartition(" pid ")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class WorkerLock:
    def __init__(self, store: StateStore, *, wait_seconds: float, stale_seconds: float,
                 owner: str | None = None) -> None:
        self.store = store
        self.wait_seconds = wait_seconds
        self.stale = timedelta(seconds=stale_seconds)
        self.owner = owner or this_process()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def acquire(self) -> WorkerLock:
        """Take the lock (waiting up to `wait_seconds`) or raise UserError naming the holder."""
        deadline = time.monotonic() + self.wait_seconds
        while True:
            holder = self.store.acquire_lock(LOCK_NAME, self.owner, datetime.now(UTC), self.stale)
            if holder is None:
                break
            if _dead_here(holder.owner):
                log.warning("taking over the worker lock of %s: that process no longer runs",
                            holder.owner)
                if self.store.acquire_lock(LOCK_NAME, self.owner, datetime.now(UTC),
                                           timedelta(0)) is None:
                    break
                continue
            if time.monotonic() >= deadline:
                raise UserError(
                    f"another leadscore worker ({holder.owner}, since "
                    f"{holder.acquired_at:%Y-%m-%d %H:%M:%S} UTC) holds the lock on this state "
                    "store, so this one does not sync. Fix: stop the other worker, or point "
                    "LEADSCORE_STATE_URL/LEADSCORE_DATA_DIR at another store; a crashed worker's "
                    f"lock is taken over after LEADSCORE_LOCK_STALE_SECONDS "
                    f"({self.stale.total_seconds():.0f}s)."
                )
            log.info("waiting for the worker lock held by %s", holder.owner)
            time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))
        self._interrupt_dead_runs()
        self._beat = threading.Thread(target=self._heartbeat, name="worker-lock", daemon=True)
        self._beat.start()
        return self

    def _interrupt_dead_runs(self) -> None:
        """Holding the lock, no other process syncs on this store: a run still "running" was
        left so by a process that died. Dry runs take no lock: only those unseen for the stale
        time are taken for dead."""
        marked = self.store.interrupt_runs(None, idle_for=self.stale)
        if marked:
            log.warning("%d runs left running by a process that stopped (killed or crashed) are "
                        "marked interrupted; this one resumes from the checkpoint", marked)

    def _heartbeat(self) -> None:
        every = self.stale.total_seconds() / 3
        while not self._stop.wait(every):
            try:
                if not self.store.heartbeat_lock(LOCK_NAME, self.owner, datetime.now(UTC)):
                    log.error("the worker lock was taken over by another worker")
            except Exception:  # a database hiccup: the next beat tries again
                log.warning("could not renew the worker lock", exc_info=True)

    def release(self) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join(5)
        self.store.release_lock(LOCK_NAME, self.owner)

    def __enter__(self) -> WorkerLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
