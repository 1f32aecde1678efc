"""The state store: checkpoints, failed records, run history and own-write markers, per portal.

SQLAlchemy Core over a SQLite file by default (`LEADSCORE_STATE_URL` may name PostgreSQL for a
team running several replicas). Every write that must be atomic with another (a batch's failures
and its own-write markers) happens in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connector.state import migrations
from connector.state.schema import checkpoints, failed_records, locks, models, own_writes, runs

STATE_FILE = "leadscore.sqlite"


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


class StateStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> StateStore:
        """Connect, creating the SQLite file's directory, and migrate to the newest schema."""
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            migrations.upgrade(conn)
        return cls(engine)

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
                sa.select(checkpoints.c.value).where(checkpoints.c.portal == portal)
            ).scalar()

    def save_checkpoint(self, portal: str, value: str | None, now: datetime) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(
                checkpoints.update()
                .where(checkpoints.c.portal == portal)
                .values(value=value, updated_at=now)
            )
            if done.rowcount == 0:
                conn.execute(checkpoints.insert().values(portal=portal, value=value, updated_at=now))

    # Per-record results ------------------------------------------------------------------
    def record_outcomes(
        self, portal: str, outcomes: Iterable[RecordOutcome], now: datetime
    ) -> None:
        """Keep failures (attempts counted), clear successes from the failed list, and store
        the own-write markers of successes, all in one transaction."""
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

    @staticmethod
    def _set_marker(conn: sa.Connection, portal: str, lead_id: str, marker: str) -> None:
        key = (own_writes.c.portal == portal) & (own_writes.c.lead_id == lead_id)
        if conn.execute(own_writes.update().where(key).values(marker=marker)).rowcount == 0:
            conn.execute(own_writes.insert().values(portal=portal, lead_id=lead_id, marker=marker))

    def failed(self, portal: str) -> list[FailedRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(failed_records)
                .where(failed_records.c.portal == portal)
                .order_by(failed_records.c.first_failed_at, failed_records.c.lead_id)
            )
            return [
                FailedRecord(r.lead_id, r.reason, r.attempts, r.first_failed_at, r.last_failed_at)
                for r in rows
            ]

    def markers(self, portal: str, lead_ids: Sequence[str]) -> dict[str, str]:
        """The own-write markers stored for these leads (absent when we never wrote them)."""
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(lead_ids), 500):
                chunk = list(lead_ids[start : start + 500])
                rows = conn.execute(
                    sa.select(own_writes.c.lead_id, own_writes.c.marker).where(
                        (own_writes.c.portal == portal) & own_writes.c.lead_id.in_(chunk)
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
        self, name: str, owner: str, now: datetime, stale_after: timedelta
    ) -> LockHolder | None:
        """Take lock `name` for `owner` unless another owner holds it with a heartbeat newer
        than `stale_after` (a holder that stopped beating crashed: its lock is taken over).
        Returns None when taken, or the current holder."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(locks).where(locks.c.name == name)).first()
            if row is not None and row.owner != owner and now - row.heartbeat_at < stale_after:
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

    # Run history -------------------------------------------------------------------------
    def start_run(self, portal: str, mode: str, started_at: datetime) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                runs.insert().values(
                    portal=portal, mode=mode, outcome="running", started_at=started_at,
                    read=0, scored=0, changed=0, written=0, failed=0, skipped=0,
                    api_calls="{}", rate_limited=0, retries=0,
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
                )
            )

    def runs(self, portal: str | None = None, limit: int = 10) -> list[RunRecord]:
        """The last runs, newest first (of one portal, or of all)."""
        query = sa.select(runs).order_by(runs.c.id.desc()).limit(limit)
        if portal is not None:
            query = query.where(runs.c.portal == portal)
        with self.engine.connect() as conn:
            return [_run_record(r) for r in conn.execute(query)]

    def last_success(self, portal: str, modes: Sequence[str]) -> RunRecord | None:
        query = (
            sa.select(runs)
            .where((runs.c.portal == portal) & (runs.c.outcome == "ok") & runs.c.mode.in_(modes))
            .order_by(runs.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else _run_record(row)


def _run_record(row: sa.Row) -> RunRecord:
    stats = RunStats(
        read=row.read, scored=row.scored, changed=row.changed, written=row.written,
        failed=row.failed, skipped=row.skipped, api_calls=json.loads(row.api_calls),
        rate_limited=row.rate_limited, retries=row.retries, api_quota=json.loads(row.api_quota),
        warnings=json.loads(row.warnings),
    )
    return RunRecord(
        id=row.id, portal=row.portal, mode=row.mode, outcome=row.outcome,
        started_at=row.started_at, finished_at=row.finished_at, duration_s=row.duration_s,
        stats=stats, error=row.error,
    )

