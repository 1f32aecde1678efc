from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from connector.state import StateStore, default_url
from connector.state import migrations, schema

T0 = datetime(2026, 3, 1, tzinfo=UTC)
STALE = timedelta(seconds=120)


def store(tmp_path):
    return StateStore.open(default_url(tmp_path))


def test_a_held_lock_is_refused_to_another_owner_with_its_holder(tmp_path):
    s = store(tmp_path)
    assert s.acquire_lock("worker", "host-a pid 1", T0, STALE) is None
    holder = s.acquire_lock("worker", "host-b pid 2", T0 + timedelta(seconds=5), STALE)
    assert holder is not None and holder.owner == "host-a pid 1"


def test_a_released_lock_can_be_taken(tmp_path):
    s = store(tmp_path)
    s.acquire_lock("worker", "a", T0, STALE)
    s.release_lock("worker", "a")
    assert s.acquire_lock("worker", "b", T0, STALE) is None


def test_a_lock_whose_heartbeat_stopped_is_taken_over(tmp_path):
    s = store(tmp_path)
    s.acquire_lock("worker", "a", T0, STALE)
    assert s.heartbeat_lock("worker", "a", T0 + timedelta(seconds=100))
    assert s.acquire_lock("worker", "b", T0 + timedelta(seconds=200), STALE) is not None
    assert s.acquire_lock("worker", "b", T0 + timedelta(seconds=221), STALE) is None
    assert not s.heartbeat_lock("worker", "a", T0 + timedelta(seconds=222))


def test_a_state_file_at_schema_version_1_is_migrated_keeping_its_data(tmp_path):
    url = default_url(tmp_path)
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # what leadscore before the lock left on disk
        op = Operations(MigrationContext.configure(conn))
        op.create_table("schema_version", sa.Column("version", sa.Integer, nullable=False))
        migrations.STEPS[0](op)
        conn.execute(schema.schema_version.insert().values(version=1))
        conn.execute(schema.checkpoints.insert().values(portal="acme", value="42", updated_at=T0))
    engine.dispose()

    s = StateStore.open(url)
    with s.engine.connect() as conn:
        assert migrations.current_version(conn) == migrations.LATEST == 4
    assert s.checkpoint("acme") == "42"
    assert s.acquire_lock("worker", "a", T0, STALE) is None
