"""Schema versioning for the state store: a `schema_version` table and ordered migration steps.

Each step takes the schema from version N-1 to N with Alembic's operations (which know how to
alter tables on SQLite and PostgreSQL alike), so that opening an older state file with a newer
leadscore upgrades it in place. Steps are append-only: never edit a released step, add the next.
To add one: write `def _vN(op: Operations) -> None` and append it to STEPS.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from connector.state import schema
from connector.state.schema import UTCDateTime


def _v1(op: Operations) -> None:
    """Checkpoints, failed records, run history and own-write markers, keyed by portal."""
    op.create_table(
        "checkpoints",
        sa.Column("portal", sa.String(100), primary_key=True),
        sa.Column("value", sa.Text, nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "failed_records",
        sa.Column("portal", sa.String(100), primary_key=True),
        sa.Column("lead_id", sa.String(64), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("first_failed_at", UTCDateTime, nullable=False),
        sa.Column("last_failed_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("portal", sa.String(100), nullable=False),
        sa.Column("mode", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("finished_at", UTCDateTime, nullable=True),
        sa.Column("duration_s", sa.Float, nullable=True),
        sa.Column("read", sa.Integer, nullable=False),
        sa.Column("scored", sa.Integer, nullable=False),
        sa.Column("changed", sa.Integer, nullable=False),
        sa.Column("written", sa.Integer, nullable=False),
        sa.Column("failed", sa.Integer, nullable=False),
        sa.Column("skipped", sa.Integer, nullable=False),
        sa.Column("api_calls", sa.Text, nullable=False),
        sa.Column("rate_limited", sa.Integer, nullable=False),
        sa.Column("retries", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_runs_portal", "runs", ["portal"])
    op.create_table(
        "own_writes",
        sa.Column("portal", sa.String(100), primary_key=True),
        sa.Column("lead_id", sa.String(64), primary_key=True),
        sa.Column("marker", sa.String(64), nullable=False),
    )


def _v2(op: Operations) -> None:
    """Runs keep the CRM's API allocation as it stood at their end (Salesforce's daily usage)."""
    op.add_column("runs", sa.Column("api_quota", sa.Text, nullable=False, server_default="{}"))


def _v3(op: Operations) -> None:
    """The worker lock: one row per lock name, held by one worker process at a time."""
    op.create_table(
        "locks",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("acquired_at", UTCDateTime, nullable=False),
        sa.Column("heartbeat_at", UTCDateTime, nullable=False),
    )


# The tables whose rows v4 re-keys from "portal" to "crm:portal".
_KEYED_TABLES = ("checkpoints", "failed_records", "own_writes", "runs")
_SALESFORCE_CHECKPOINT_KEYS = {"since", "phase", "after", "mode", "start"}


def checkpoint_crm(value: str | None) -> str:
    """Which CRM wrote a checkpoint, from its shape: HubSpot's always has a "pass" key,
    Salesforce's only its own keys (connector/crm/salesforce/reader.py, Checkpoint). A portal
    with no checkpoint, or one of neither shape, is HubSpot's: Salesforce came later, and a
    store from before it held only HubSpot portals."""
    try:
        data = json.loads(value) if value else None
    except ValueError:
        return "hubspot"
    if isinstance(data, dict) and data and "pass" not in data and set(data) <= _SALESFORCE_CHECKPOINT_KEYS:
        return "salesforce"
    return "hubspot"


def _v4(op: Operations) -> None:
    """State keyed by CRM and portal: every `portal` value becomes "crm:portal", so that two
    CRMs synced from one data directory (both with the portal name "default") never share a
    checkpoint. Existing rows go to the CRM their portal's checkpoint was written by (see
    `checkpoint_crm`). Runs gain `seen_at`, when their process was last seen working."""
    conn = op.get_bind()
    cps = sa.table("checkpoints", sa.column("portal", sa.String), sa.column("value", sa.Text))
    crm_of = {row.portal: checkpoint_crm(row.value) for row in conn.execute(sa.select(cps))}
    for name in _KEYED_TABLES:
        table = sa.table(name, sa.column("portal", sa.String))
        portals = conn.execute(sa.select(table.c.portal).distinct()).scalars().all()
        for portal in portals:
            conn.execute(table.update().where(table.c.portal == portal)
                         .values(portal=f"{crm_of.get(portal, 'hubspot')}:{portal}"))
    op.add_column("runs", sa.Column("seen_at", UTCDateTime, nullable=True))


def _v5(op: Operations) -> None:
    """Portal leases: worker replicas on one PostgreSQL store share the portals, each portal
    synced by the one replica holding its row (`owner`, renewed by `heartbeat_at`)."""
    op.create_table(
        "leases",
        sa.Column("portal", sa.String(100), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("acquired_at", UTCDateTime, nullable=True),
        sa.Column("heartbeat_at", UTCDateTime, nullable=True),
    )


def _v6(op: Operations) -> None:
    """The model each portal of each CRM was last fully scored with (its fingerprint and text),
    so that a changed model rescores every lead; runs keep their data warnings by kind."""
    op.create_table(
        "models",
        sa.Column("crm", sa.String(40), primary_key=True),
        sa.Column("portal", sa.String(100), primary_key=True),
        sa.Column("fingerprint", sa.String(300), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("scored_at", UTCDateTime, nullable=False),
    )
    op.add_column("runs", sa.Column("warnings", sa.Text, nullable=False, server_default="{}"))


def _v7(op: Operations) -> None:
    """Scoring inputs kept per lead (only what the model reads) and, per portal, what they hold
    and when a full read last kept them all: the nightly rescore from the store."""
    op.create_table(
        "lead_inputs",
        sa.Column("portal", sa.String(100), primary_key=True),
        sa.Column("lead_id", sa.String(64), primary_key=True),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("written", sa.Text, nullable=False),
    )
    op.create_table(
        "input_sets",
        sa.Column("portal", sa.String(100), primary_key=True),
        sa.Column("signature", sa.String(64), nullable=False),
        sa.Column("read_at", UTCDateTime, nullable=True),
    )


def _v8(op: Operations) -> None:
    """Runs keep how many leads each model labelled how (several models per portal)."""
    op.add_column("runs", sa.Column("labels", sa.Text, nullable=False, server_default="{}"))


def _v9(op: Operations) -> None:
    """Owner tasks: one row per lead and transition ("hot", "mql"), written before the task is
    made (`pending`, with what it will say) and completed with the task's id (`done`), or
    `no_owner`: at most one task per lead and transition, across crashes and restarts."""
    op.create_table(
        "owner_tasks",
        sa.Column("portal", sa.String(100), primary_key=True),
        sa.Column("lead_id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("task", sa.Text, nullable=False),
        sa.Column("task_id", sa.String(64), nullable=True),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )


STEPS: list[Callable[[Operations], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9]
LATEST = len(STEPS)


def current_version(conn: Connection) -> int:
    """The schema version of this database (0 when it is empty)."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return conn.execute(sa.select(schema.schema_version.c.version)).scalar() or 0


# The PostgreSQL advisory lock taken around a migration (any number unique to leadscore).
MIGRATION_LOCK = 0x1EAD5C0E


def upgrade(conn: Connection) -> int:
    """Apply every step the database has not had yet, in one transaction; return the version.

    On PostgreSQL, replicas started together on a fresh database would each create
    `schema_version` and the tables (the losers dying on a UniqueViolation): a transaction-level
    advisory lock lets one migrate while the others wait, then find the schema current. SQLite
    serialises writers by itself, and several workers on one SQLite file are refused anyway."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    version = current_version(conn)
    if version > LATEST:
        raise RuntimeError(
            f"the state store is at schema version {version}, newer than this leadscore knows "
            f"({LATEST}); upgrade leadscore or point LEADSCORE_STATE_URL at another store"
        )
    if version == LATEST:
        return version
    op = Operations(MigrationContext.configure(conn))
    if version == 0:
        op.create_table("schema_version", sa.Column("version", sa.Integer, nullable=False))
        conn.execute(schema.schema_version.insert().values(version=0))
    for number in range(version + 1, LATEST + 1):
        STEPS[number - 1](op)
        conn.execute(schema.schema_version.update().values(version=number))
    return LATEST
