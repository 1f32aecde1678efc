from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from connector.state import StateStore, default_url
from connector.state import migrations, schema
from connector.worker.lock import WorkerLock

T0 = datetime(2026, 3, 1, tzinfo=UTC)
STALE = timedelta(seconds=120)


@pytest.fixture
def store(state_url):
    return StateStore.open(state_url)


def test_a_held_lock_is_refused_to_another_owner_with_its_holder(store):
    s = store
    assert s.acquire_lock("worker", "host-a pid 1", T0, STALE) is None
    holder = s.acquire_lock("worker", "host-b pid 2", T0 + timedelta(seconds=5), STALE)
    assert holder is not None and holder.owner == "host-a pid 1"


def test_a_released_lock_can_be_taken(store):
    s = store
    s.acquire_lock("worker", "a", T0, STALE)
    s.release_lock("worker", "a")
    assert s.acquire_lock("worker", "b", T0, STALE) is None


def test_a_lock_whose_heartbeat_stopped_is_taken_over(store):
    s = store
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
        assert migrations.current_version(conn) == migrations.LATEST
    assert s.checkpoint("acme") == "42"
    assert s.acquire_lock("worker", "a", T0, STALE) is None


def test_taking_the_lock_marks_the_runs_a_killed_worker_left_running(tmp_path):
    s = StateStore.open(default_url(tmp_path))
    run = s.start_run("acme", "incremental", T0)
    lock = WorkerLock(s, wait_seconds=0, stale_seconds=60, owner="host-b pid 2").acquire()
    try:
        [record] = s.runs("acme")
        assert (record.id, record.outcome) == (run, "interrupted")
    finally:
        lock.release()
