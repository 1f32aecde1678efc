"""The state store: checkpoints, failed records, run history, own-write markers and kept scoring
inputs (connector/state/inputs.py), per portal.

SQLAlchemy Core over a SQLite file by default (`LEADSCORE_STATE_URL` may name PostgreSQL for a
team running several replicas). Every write that must be atomic with another (a batch's failures
and its own-write markers) happens in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connector.state import migrations
from connector.state.inputs import InputsMixin
from connector.state.schema import (
    checkpoints, failed_records, leases, locks, models, own_writes, runs,
)

STATE_FILE = "leadscore.sqlite"
DEFAULT_CRM = "hubspot"  # LEADSCORE_CRM's default, and the CRM of rows from before v4
INTERRUPTED = "interrupted"


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{Path(data_dir) / STATE_FILE}"


@dataclass
class RunStats:
    """What one sync run did; the loop fills it in, the store keeps it."""

    read: int = 0
    scored: int = 0
    changed: int = 0
    written: int = 0
    failed: int = 0
    skipped: int = 0  # leads read but not rescored: nothing changed since our own write
    api_calls: dict[str, int] = field(default_factory=dict)
    rate_limited: int = 0
    retries: int = 0
    api_quota: dict[str, int] = field(default_factory=dict)  # the CRM's allocation at the end
    warnings: dict[str, int] = field(default_factory=dict)  # the scorer's data warnings by kind
    # Leads scored by label, per model key ("default": the model without a key).
    labels: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class RunRecord:
    id: int
    portal: str
    mode: str
    outcome: str
    started_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    stats: RunStats
    error: str | None
    seen_at: datetime | None = None  # when its process was last seen working on it


@dataclass(frozen=True)
class LockHolder:
    owner: str  # host and process id of the worker holding the lock
    acquired_at: datetime
    heartbeat_at: datetime


@dataclass(frozen=True)
class FailedRecord:
    lead_id: str
    reason: str
    attempts: int
    first_failed_at: datetime
    last_failed_at: datetime


@dataclass(frozen=True)
class RecordOutcome:
    """One record's result to keep: a failure with its reason, or a success with the marker
    (e.g. the `updatedAt` our write produced) that tells our own modification apart."""

    lead_id: str
    ok: bool
    reason: str | None = None
    marker: str | None = None


class StateStore(InputsMixin):
    """The state of one CRM's portals: every method's `portal` is a portal of `crm`, stored
    under the key "crm:portal" (`key`), so another CRM's portal of the same name is another row.
    The worker lock is the only state shared by every CRM of the store."""

    def __init__(self, engine: Engine, crm: str = DEFAULT_CRM,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.crm = crm
        self.clock = clock  # wall time, for when a run's process was last seen

    @classmethod
    def open(cls, url: str, crm: str = DEFAULT_CRM) -> StateStore:
        """Connect, creating the SQLite file's directory, and migrate to the newest schema."""
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            migrations.upgrade(conn)
        return cls(engine, crm)

    def key(self, portal: str) -> str:
        """The stored key of `portal`: the one place "crm:portal" is built."""
        return f"{self.crm}:{portal}"

    def _portal(self, key: str) -> str:
        return key.split(":", 1)[1] if ":" in key else key

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Checkpoints -------------------------------------------------------------------------
    def checkpoint(self, portal: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(checkpoints.c.value).where(checkpoints.c.portal == self.key(portal))
            ).scalar()

    def save_checkpoint(self, portal: str, value: str | None, now: datetime) -> None:
        """Save the checkpoint; the portal's run in progress is seen working (see `interrupt_runs`)."""
        key = self.key(portal)
        with self.engine.begin() as conn:
            done = conn.execute(
                checkpoints.update()
                .where(checkpoints.c.portal == key)
                .values(value=value, updated_at=now)
            )
            if done.rowcount == 0:
                conn.execute(checkpoints.insert().values(portal=key, value=value, updated_at=now))
            self._seen(conn, key)

    def _seen(self, conn: sa.Connection, key: str) -> None:
        conn.execute(runs.update().where((runs.c.portal == key) & (runs.c.outcome == "running"))
                     .values(seen_at=self.clock()))

    # Per-record results ------------------------------------------------------------------
    def record_outcomes(
        self, portal: str, outcomes: Iterable[RecordOutcome], now: datetime
    ) -> None:
        """Keep failures (attempts counted), clear successes from the failed list, and store
        the own-write markers of successes, all in one transaction."""
        portal = self.key(portal)
        with self.engine.begin() as conn:
            for item in outcomes:
                key = (failed_records.c.portal == portal) & (failed_records.c.lead_id == item.lead_id)
                if item.ok:
                    conn.execute(failed_records.delete().where(key))
                    if item.marker is not None:
                        self._set_marker(conn, portal, item.lead_id, item.marker)
                    continue
                reason = item.reason or "unknown error"
                done = conn.execute(
                    failed_records.update()
                    .where(key)
                    .values(
                        reason=reason,
                        attempts=failed_records.c.attempts + 1,
                        last_failed_at=now,
                    )
                )
                if done.rowcount == 0:
                    conn.execute(
                        failed_records.insert().values(
                            portal=portal, lead_id=item.lead_id, reason=reason, attempts=1,
                            first_failed_at=now, last_failed_at=now,
                        )
                    )
            self._seen(conn, portal)

    @staticmethod
    def _set_marker(conn: sa.Connection, key: str, lead_id: str, marker: str) -> None:
        where = (own_writes.c.portal == key) & (own_writes.c.lead_id == lead_id)
        if conn.execute(own_writes.update().where(where).values(marker=marker)).rowcount == 0:
            conn.execute(own_writes.insert().values(portal=key, lead_id=lead_id, marker=marker))

    def failed(self, portal: str) -> list[FailedRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(failed_records)
                .where(failed_records.c.portal == self.key(portal))
                .order_by(failed_records.c.first_failed_at, failed_records.c.lead_id)
            )
            return [
                FailedRecord(r.lead_id, r.reason, r.attempts, r.first_failed_at, r.last_failed_at)
                for r in rows
            ]

    def markers(self, portal: str, lead_ids: Sequence[str]) -> dict[str, str]:
        """The own-write markers stored for these leads (absent when we never wrote them)."""
        found: dict[str, str] = {}
        key = self.key(portal)
        with self.engine.connect() as conn:
            for start in range(0, len(lead_ids), 500):
                chunk = list(lead_ids[start : start + 500])
                rows = conn.execute(
                    sa.select(own_writes.c.lead_id, own_writes.c.marker).where(
                        (own_writes.c.portal == key) & own_writes.c.lead_id.in_(chunk)
                    )
                )
                found.update({r.lead_id: r.marker for r in rows})
        return found

    # The model a portal was last fully scored with ---------------------------------------
    def last_model(self, crm: str, portal: str) -> tuple[str, str] | None:
        """(fingerprint, text) of the model `crm`'s `portal` was last fully scored with."""
        key = (models.c.crm == crm) & (models.c.portal == portal)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(models.c.fingerprint, models.c.text).where(key)).first()
        return None if row is None else (row.fingerprint, row.text)

    def save_model(self, crm: str, portal: str, fingerprint: str, text: str, now: datetime) -> None:
        key = (models.c.crm == crm) & (models.c.portal == portal)
        values = {"fingerprint": fingerprint, "text": text, "scored_at": now}
        with self.engine.begin() as conn:
            if conn.execute(models.update().where(key).values(**values)).rowcount == 0:
                conn.execute(models.insert().values(crm=crm, portal=portal, **values))

    # The worker lock -------------------------------------------------------------------
    def acquire_lock(
        self, name: str, owner: str, now: datetime, stale_after: timedelta, *,
        dead_owner: str | None = None,
    ) -> LockHolder | None:
        """Take lock `name` for `owner` unless another owner holds it with a heartbeat newer
        than `stale_after` (a holder that stopped beating crashed: its lock is taken over).
        `dead_owner`: a holder known to be gone, whose lock is taken whatever its heartbeat;
        only from that holder, never from one that took it meanwhile. Returns None when taken,
        or the current holder."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(locks).where(locks.c.name == name)).first()
            if (row is not None and row.owner not in (owner, dead_owner)
                    and now - row.heartbeat_at < stale_after):
                return LockHolder(row.owner, row.acquired_at, row.heartbeat_at)
            if row is None:
                try:
                    conn.execute(locks.insert().values(name=name, owner=owner, acquired_at=now,
                                                       heartbeat_at=now))
                except sa.exc.IntegrityError:  # another worker inserted it first
                    return self._holder(name)
                return None
            done = conn.execute(
                locks.update()
                .where((locks.c.name == name) & (locks.c.owner == row.owner)
                       & (locks.c.heartbeat_at == row.heartbeat_at))
                .values(owner=owner, acquired_at=now, heartbeat_at=now)
            )
        return None if done.rowcount == 1 else self._holder(name)

    def _holder(self, name: str) -> LockHolder | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(locks).where(locks.c.name == name)).first()
        return None if row is None else LockHolder(row.owner, row.acquired_at, row.heartbeat_at)

    def heartbeat_lock(self, name: str, owner: str, now: datetime) -> bool:
        """Refresh the lock's heartbeat; False when `owner` no longer holds it."""
        with self.engine.begin() as conn:
            done = conn.execute(locks.update().where((locks.c.name == name) & (locks.c.owner == owner))
                                .values(heartbeat_at=now))
        return done.rowcount == 1

    def release_lock(self, name: str, owner: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(locks.delete().where((locks.c.name == name) & (locks.c.owner == owner)))

    def live_owners(self, prefix: str, now: datetime, stale_after: timedelta) -> list[str]:
        """The owners of locks named `prefix`... whose heartbeat is fresh (live replicas)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(locks.c.owner).where(
                locks.c.name.startswith(prefix, autoescape=True)
                & (locks.c.heartbeat_at >= now - stale_after)))
            return sorted(r.owner for r in rows)

    # Portal leases ---------------------------------------------------------------------
    def take_lease(self, portal: str, owner: str, now: datetime, stale_after: timedelta, *,
                   dead_owner: str | None = None) -> LockHolder | None:
        """Take (or renew) the lease of `portal` for `owner`: free, already ours, its holder's
        heartbeat older than `stale_after`, or held by `dead_owner` (a holder known to be gone:
        only from that one, never from a replica that took it over meanwhile). None when taken,
        else the holder. On PostgreSQL the row is locked with FOR UPDATE SKIP LOCKED, so
        replicas racing for it never wait on each other: the loser sees the winner as the
        holder."""
        key = self.key(portal)
        self._lease_row(key)
        takeable = (leases.c.owner.is_(None) | (leases.c.owner == owner)
                    | (leases.c.heartbeat_at <= now - stale_after))
        if dead_owner is not None:
            takeable = takeable | (leases.c.owner == dead_owner)
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(leases).where((leases.c.portal == key) & takeable)
                               .with_for_update(skip_locked=True)).first()
            if row is not None:
                acquired = row.acquired_at if row.owner == owner else now
                done = conn.execute(leases.update().where((leases.c.portal == key) & takeable)
                                    .values(owner=owner, acquired_at=acquired, heartbeat_at=now))
                if done.rowcount == 1:
                    return None
        with self.engine.connect() as conn:
            held = conn.execute(sa.select(leases).where(leases.c.portal == key)).first()
        if held is None or held.owner is None:  # released between the two reads: try later
            return LockHolder("nobody (just released)", now, now)
        return LockHolder(held.owner, held.acquired_at, held.heartbeat_at)

    def _lease_row(self, key: str) -> None:
        with self.engine.connect() as conn:
            if conn.execute(sa.select(leases.c.portal).where(leases.c.portal == key)).first():
                return
        try:
            with self.engine.begin() as conn:
                conn.execute(leases.insert().values(portal=key))
        except sa.exc.IntegrityError:  # another replica inserted it first
            pass

    def release_lease(self, portal: str, owner: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(leases.update()
                         .where((leases.c.portal == self.key(portal)) & (leases.c.owner == owner))
                         .values(owner=None, acquired_at=None, heartbeat_at=None))

    # Run history -------------------------------------------------------------------------
    def start_run(self, portal: str, mode: str, started_at: datetime) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                runs.insert().values(
                    portal=self.key(portal), mode=mode, outcome="running", started_at=started_at,
                    read=0, scored=0, changed=0, written=0, failed=0, skipped=0,
                    api_calls="{}", rate_limited=0, retries=0, seen_at=self.clock(),
                )
            )
            return int(result.inserted_primary_key[0])

    def finish_run(
        self, run_id: int, stats: RunStats, *, outcome: str, finished_at: datetime,
        duration_s: float, error: str | None = None,
    ) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(
                    outcome=outcome, finished_at=finished_at, duration_s=duration_s, error=error,
                    read=stats.read, scored=stats.scored, changed=stats.changed,
                    written=stats.written, failed=stats.failed, skipped=stats.skipped,
                    api_calls=json.dumps(stats.api_calls, sort_keys=True),
                    rate_limited=stats.rate_limited, retries=stats.retries,
                    api_quota=json.dumps(stats.api_quota, sort_keys=True),
                    warnings=json.dumps(stats.warnings, sort_keys=True),
                    labels=json.dumps(stats.labels),
                    seen_at=self.clock(),
                )
            )

    def interrupt_runs(self, portal: str | None, *, idle_for: timedelta | None = None) -> int:
        """Mark runs still "running" as interrupted: their process died (SIGKILL, a lost node)
        without finishing them. The caller knows no live process runs them: it holds the lease
        of `portal`, or (None) the worker lock of the whole store, every CRM's runs. Dry runs
        take no lock, so a live one may be going: they are interrupted only once not seen for
        `idle_for` (never when None). Returns how many were marked."""
        where = runs.c.outcome == "running"
        if portal is not None:
            where &= runs.c.portal == self.key(portal)
        live_dry_run = runs.c.mode == "dry-run"
        if idle_for is not None:
            seen = sa.func.coalesce(runs.c.seen_at, runs.c.started_at, type_=runs.c.seen_at.type)
            live_dry_run &= seen >= self.clock() - idle_for
        with self.engine.begin() as conn:
            found = conn.execute(sa.select(runs.c.id, runs.c.seen_at)
                                 .where(where & ~live_dry_run)).all()
            for row in found:
                seen = f"{row.seen_at:%Y-%m-%d %H:%M:%S} UTC" if row.seen_at else "never"
                conn.execute(runs.update().where((runs.c.id == row.id) & (runs.c.outcome == "running"))
                             .values(outcome=INTERRUPTED, error=(
                                 "interrupted: its process stopped without finishing it (killed "
                                 f"or crashed), last seen working {seen}; the next run resumed "
                                 "from the checkpoint")))
        return len(found)

    def runs(self, portal: str | None = None, limit: int = 10) -> list[RunRecord]:
        """The last runs, newest first (of one portal, or of all this CRM's)."""
        query = sa.select(runs).order_by(runs.c.id.desc()).limit(limit)
        if portal is not None:
            query = query.where(runs.c.portal == self.key(portal))
        else:
            query = query.where(runs.c.portal.startswith(self.key(""), autoescape=True))
        with self.engine.connect() as conn:
            return [self._run_record(r) for r in conn.execute(query)]

    def last_success(self, portal: str, modes: Sequence[str]) -> RunRecord | None:
        query = (
            sa.select(runs)
            .where((runs.c.portal == self.key(portal)) & (runs.c.outcome == "ok")
                   & runs.c.mode.in_(modes))
            .order_by(runs.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else self._run_record(row)

    def _run_record(self, row: sa.Row) -> RunRecord:
        stats = RunStats(
            read=row.read, scored=row.scored, changed=row.changed, written=row.written,
            failed=row.failed, skipped=row.skipped, api_calls=json.loads(row.api_calls),
            rate_limited=row.rate_limited, retries=row.retries, api_quota=json.loads(row.api_quota),
            warnings=json.loads(row.warnings),
            labels=json.loads(row.labels),
        )
        return RunRecord(
            id=row.id, portal=self._portal(row.portal), mode=row.mode, outcome=row.outcome,
            started_at=row.started_at, finished_at=row.finished_at, duration_s=row.duration_s,
            stats=stats, error=row.error, seen_at=row.seen_at,
        )
