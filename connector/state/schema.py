"""The state store's tables (SQLAlchemy Core), as the newest migration leaves them.

Everything is keyed by `portal`, which holds "crm:portal": the CRM (hubspot, salesforce) and the
name of one connection to it (a HubSpot portal, a Salesforce org), so that one state store can
serve several, of either CRM, without one CRM ever reading the other's checkpoint. The key is
built in one place, `StateStore.key`. Times are stored as UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table, Text
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A datetime stored without zone as UTC and read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("state store times must be timezone-aware")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, nullable=False),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("portal", String(100), primary_key=True),
    Column("value", Text, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

failed_records = Table(
    "failed_records",
    metadata,
    Column("portal", String(100), primary_key=True),
    Column("lead_id", String(64), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("first_failed_at", UTCDateTime, nullable=False),
    Column("last_failed_at", UTCDateTime, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("portal", String(100), nullable=False, index=True),
    Column("mode", String(20), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("duration_s", Float, nullable=True),
    Column("read", Integer, nullable=False, default=0),
    Column("scored", Integer, nullable=False, default=0),
    Column("changed", Integer, nullable=False, default=0),
    Column("written", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
    Column("api_calls", Text, nullable=False, default="{}"),
    Column("rate_limited", Integer, nullable=False, default=0),
    Column("retries", Integer, nullable=False, default=0),
    Column("error", Text, nullable=True),
    Column("api_quota", Text, nullable=False, default="{}"),
    Column("seen_at", UTCDateTime, nullable=True),  # the run's process last seen working
    Column("warnings", Text, nullable=False, default="{}"),
    Column("labels", Text, nullable=False, default="{}"),  # {model key: {label: leads}}
)

own_writes = Table(
    "own_writes",
    metadata,
    Column("portal", String(100), primary_key=True),
    Column("lead_id", String(64), primary_key=True),
    Column("marker", String(64), nullable=False),
)

locks = Table(
    "locks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("portal", String(100), primary_key=True),  # "crm:portal"
    Column("owner", String(200), nullable=True),  # None: free
    Column("acquired_at", UTCDateTime, nullable=True),
    Column("heartbeat_at", UTCDateTime, nullable=True),
)

models = Table(
    "models",
    metadata,
    Column("crm", String(40), primary_key=True),
    Column("portal", String(100), primary_key=True),
    Column("fingerprint", String(300), nullable=False),
    Column("text", Text, nullable=False),
    Column("scored_at", UTCDateTime, nullable=False),
)

# A lead's scoring inputs (what the model reads of it: connector/sync/inputs.py) and
# leadscore's values as the CRM holds them, kept so a decay-only rescore reads nothing.
lead_inputs = Table(
    "lead_inputs",
    metadata,
    Column("portal", String(100), primary_key=True),
    Column("lead_id", String(64), primary_key=True),
    Column("inputs", Text, nullable=False),  # JSON: the properties, stage and events rules read
    Column("written", Text, nullable=False),  # JSON: leadscore's values in the CRM, by neutral name
)

# Per portal: what the kept inputs hold (`signature` of what the model reads) and when the last
# full read of the CRM kept them all (`read_at`; None while that read has not finished).
input_sets = Table(
    "input_sets",
    metadata,
    Column("portal", String(100), primary_key=True),
    Column("signature", String(64), nullable=False),
    Column("read_at", UTCDateTime, nullable=True),
)

owner_tasks = Table(
    "owner_tasks",
    metadata,
    Column("portal", String(100), primary_key=True),  # "crm:portal"
    Column("lead_id", String(64), primary_key=True),
    Column("kind", String(20), primary_key=True),  # the transition: hot, mql
    Column("status", String(20), nullable=False),  # pending, done, no_owner
    Column("task", Text, nullable=False),  # the task as JSON (subject, body, owner, due)
    Column("task_id", String(64), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)
