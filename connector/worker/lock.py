"""Who may sync which portal, in the state store.

On SQLite (the default) one worker serves the store: the worker lock. Two workers started
against the same state by mistake must not both sync; the second waits up to
`lock_wait_seconds`, then exits saying who holds it and that several replicas need PostgreSQL.

On PostgreSQL, worker replicas share the portals: each portal is synced by the one replica
holding its lease (a row per portal, taken with FOR UPDATE SKIP LOCKED). A replica registers
itself (a `replica:<owner>` row in the locks table) so the others know how many share the work;
each holds at most its fair share (portals / live replicas, rounded up), takes free or stale
leases at its runs and hands back any above its share, so a replica that joins gets work at
the next runs. A one-shot `leadscore sync` takes its portal's lease for the pass instead.

Every holder renews its rows every third of `lock_stale_seconds`; a row not renewed for that
long belongs to a process that died (SIGKILL, a lost node) and is taken over, its runs left
"running" marked interrupted, and the sync resumes from the checkpoint. A holder on this same
host whose process is gone is taken over at once (from that holder only: two replicas that both
saw it gone never both take it). `release` (a clean stop, SIGTERM) hands everything back at once.

A holder that could not renew (the database unreachable, the process starved of CPU) may have
lost its row to another process without knowing yet; `holds` says whether a sync of this
process may still write: only while its last renewal is younger than two thirds of the stale
time, so that it stops writing before anyone else may take the row over.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from connector.errors import UserError
from connector.settings import Settings
from connector.state import StateStore
from connector.state.store import LockHolder

log = logging.getLogger(__name__)

LOCK_NAME = "worker"
REPLICA_PREFIX = "replica:"


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


def shares_portals(store: StateStore) -> bool:
    """Whether replicas may share this store's portals (PostgreSQL's row locks), or one worker
    serves it (SQLite)."""
    return store.engine.dialect.name == "postgresql"


class WorkerLock:
    """The right to sync. `portals`: the portals this process syncs, by name, with their
    settings (on PostgreSQL: the leases). `replica`: a worker sharing them with other replicas
    (`owns` says, before each portal's sync, whether it is this one's), else a one-shot pass
    that takes all of them at `acquire`."""

    def __init__(self, store: StateStore, *, wait_seconds: float, stale_seconds: float,
                 owner: str | None = None, portals: Mapping[str, Settings] | None = None,
                 replica: bool = False) -> None:
        self.store = store
        self.wait_seconds = wait_seconds
        self.stale = timedelta(seconds=stale_seconds)
        self.owner = owner or this_process()
        self.portals = dict(portals or {})
        self.replica = replica
        self.leasing = shares_portals(store)
        self._held: set[str] = set()
        self._renewed: dict[str, float] = {}  # lock or portal name -> monotonic time renewed
        self._held_lock = threading.Lock()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    @property
    def held(self) -> list[str]:
        """The portals whose lease this process holds (on SQLite: all, under the worker lock)."""
        if not self.leasing:
            return list(self.portals)
        with self._held_lock:
            return sorted(self._held)

    def acquire(self) -> WorkerLock:
        """Take the lock (waiting up to `wait_seconds`) or raise UserError naming the holder."""
        if not self.leasing:
            self._wait_for(LOCK_NAME, self._take_worker_lock)
            self._interrupt_dead_runs(None)
        elif self.replica:
            self.store.acquire_lock(self._replica_name, self.owner, datetime.now(UTC), timedelta(0))
        else:
            for name in self.portals:
                self._wait_for(name, lambda name=name: self._take_lease(name))
        self._beat = threading.Thread(target=self._heartbeat, name="worker-lock", daemon=True)
        self._beat.start()
        return self

    def holds(self, name: str) -> bool:
        """Whether a sync of portal `name` in this process may still write: the lock (or the
        portal's lease) held and renewed within two thirds of the stale time (see the module's
        doc)."""
        key = name if self.leasing else LOCK_NAME
        with self._held_lock:
            if self.leasing and key not in self._held:
                return False
            renewed = self._renewed.get(key)
        return renewed is not None and time.monotonic() - renewed < self._safe_seconds

    @property
    def _safe_seconds(self) -> float:
        return self.stale.total_seconds() * 2 / 3

    @property
    def _replica_name(self) -> str:
        return REPLICA_PREFIX + self.owner

    def _take_worker_lock(self) -> LockHolder | None:
        taken_at = time.monotonic()
        holder = self.store.acquire_lock(LOCK_NAME, self.owner, datetime.now(UTC), self.stale)
        if holder is not None and _dead_here(holder.owner):
            log.warning("taking over the worker lock of %s: that process no longer runs",
                        holder.owner)
            holder = self.store.acquire_lock(LOCK_NAME, self.owner, datetime.now(UTC), self.stale,
                                             dead_owner=holder.owner)
        if holder is None:
            with self._held_lock:
                self._renewed[LOCK_NAME] = taken_at
        return holder

    def _take_lease(self, name: str) -> LockHolder | None:
        taken_at = time.monotonic()
        holder = self.store.take_lease(name, self.owner, datetime.now(UTC), self.stale)
        if holder is not None and _dead_here(holder.owner):
            log.warning("taking over the lease of portal %s from %s: that process no longer "
                        "runs", name, holder.owner)
            holder = self.store.take_lease(name, self.owner, datetime.now(UTC), self.stale,
                                           dead_owner=holder.owner)
        if holder is None:
            with self._held_lock:
                new = name not in self._held
                self._held.add(name)
                self._renewed[name] = taken_at
            if new:
                log.info("holding the lease of portal %s", name, extra={"portal_lease": name})
                self._interrupt_dead_runs(name)
        return holder

    def _wait_for(self, what: str, take) -> None:
        deadline = time.monotonic() + self.wait_seconds
        while (holder := take()) is not None:
            if time.monotonic() >= deadline:
                raise UserError(self._refusal(what, holder))
            log.info("waiting for the %s held by %s", self._thing(what), holder.owner)
            time.sleep(min(1.0, max(0.05, deadline - time.monotonic())))

    def _thing(self, what: str) -> str:
        return "worker lock" if what == LOCK_NAME else f"lease of portal {what}"

    def _refusal(self, what: str, holder: LockHolder) -> str:
        since = f"since {holder.acquired_at:%Y-%m-%d %H:%M:%S} UTC"
        stale = (f"LEADSCORE_LOCK_STALE_SECONDS ({self.stale.total_seconds():.0f}s)")
        if what == LOCK_NAME:
            return (
                f"another leadscore worker ({holder.owner}, {since}) holds the lock on this "
                "SQLite state store, so this one does not sync: a SQLite store serves one worker "
                "at a time. Fix: stop the other worker, or point LEADSCORE_STATE_URL/"
                "LEADSCORE_DATA_DIR at another store; to run several replicas sharing the portals, "
                "use a PostgreSQL store (LEADSCORE_STATE_URL=postgresql+psycopg://...). A crashed "
                f"worker's lock is taken over after {stale}."
            )
        return (
            f"portal {what} is being synced by {holder.owner} ({since}), so this pass does not "
            "sync it. Fix: wait for that sync to finish or set LEADSCORE_LOCK_WAIT_SECONDS to "
            f"wait for it; a crashed holder's lease is taken over after {stale}."
        )

    # Replicas sharing the portals -----------------------------------------------------------
    def owns(self, name: str) -> bool:
        """Whether this process syncs portal `name` now (asked before each portal's sync):
        always on SQLite; on PostgreSQL, when it holds or can take the portal's lease within
        its fair share. A lease above the share is handed back for another replica."""
        if not self.leasing or not self.replica:
            return not self.leasing or name in self.held
        share = self._share()
        with self._held_lock:
            held, count = name in self._held, len(self._held)
        if held and count > share:
            log.info("handing back the lease of portal %s: %d replicas share %d portals, this "
                     "one holds %d", name, self._replicas(), len(self.portals), count)
            self._hand_back(name)
            return False
        if not held and count >= share:
            return False
        if self._take_lease(name) is None:
            return True
        with self._held_lock:
            self._held.discard(name)
        return False

    def _replicas(self) -> int:
        live = self.store.live_owners(REPLICA_PREFIX, datetime.now(UTC), self.stale)
        return max(1, len(live))

    def _share(self) -> int:
        return math.ceil(len(self.portals) / self._replicas())

    def _hand_back(self, name: str) -> None:
        with self._held_lock:
            self._held.discard(name)
            self._renewed.pop(name, None)
        self.store.release_lease(name, self.owner)

    def _interrupt_dead_runs(self, name: str | None) -> None:
        """Holding the lock (or the portal's lease), no other process syncs it: a run still
        "running" was left so by a process that died. Dry runs take no lock: only those unseen
        for the stale time are taken for dead."""
        if name is None:
            marked = self.store.interrupt_runs(None, idle_for=self.stale)
        else:
            cfg = self.portals[name]
            view = StateStore(self.store.engine, cfg.crm)
            marked = view.interrupt_runs(cfg.portal, idle_for=self.stale)
        if marked:
            log.warning("%d runs left running by a process that stopped (killed or crashed) are "
                        "marked interrupted; this one resumes from the checkpoint", marked)

    # Renewal and release -------------------------------------------------------------------
    def _heartbeat(self) -> None:
        every = self.stale.total_seconds() / 3
        while not self._stop.wait(every):
            try:
                self._renew()
            except Exception:  # a database hiccup: the next beat tries again
                log.warning("could not renew the worker lock", exc_info=True)

    def _renew(self) -> None:
        """Renew every row; the moment is taken before the database is asked, so that a slow
        answer shortens what `holds` allows rather than lengthening it."""
        beat, now = time.monotonic(), datetime.now(UTC)
        if not self.leasing:
            if self.store.heartbeat_lock(LOCK_NAME, self.owner, now):
                with self._held_lock:
                    self._renewed[LOCK_NAME] = beat
            else:
                log.error("the worker lock was taken over by another worker")
                with self._held_lock:
                    self._renewed.pop(LOCK_NAME, None)
            return
        if self.replica:
            self.store.acquire_lock(self._replica_name, self.owner, now, timedelta(0))
        for name in self.held:
            if self.store.take_lease(name, self.owner, now, self.stale) is None:
                with self._held_lock:
                    self._renewed[name] = beat
                continue
            log.error("the lease of portal %s was taken over by another replica", name)
            with self._held_lock:
                self._held.discard(name)

    def release(self) -> None:
        """Hand everything back: the lock, or every lease (and the replica's registration)."""
        self._stop.set()
        if self._beat is not None:
            self._beat.join(5)
        if not self.leasing:
            self.store.release_lock(LOCK_NAME, self.owner)
            return
        for name in self.held:
            self._hand_back(name)
        if self.replica:
            self.store.release_lock(self._replica_name, self.owner)
        log.info("leases handed back")

    def __enter__(self) -> WorkerLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
