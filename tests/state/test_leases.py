"""Portal leases: worker replicas sharing one PostgreSQL state store (issue 17, item 2)."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from connector.errors import UserError
from connector.settings import Settings
from connector.state import StateStore, default_url
from connector.state import migrations
from connector.worker.lock import WorkerLock

T0 = datetime(2026, 3, 1, tzinfo=UTC)
STALE = timedelta(seconds=120)
PORTALS = ("p1", "p2", "p3", "p4", "p5", "p6")


@pytest.fixture
def pg(postgres_url):
    store = StateStore.open(postgres_url)
    yield store
    store.close()


def _portals(names=PORTALS):
    return {name: Settings(portal=name) for name in names}


def _replica(store, owner, stale_seconds=120):
    return WorkerLock(store, wait_seconds=0, stale_seconds=stale_seconds, owner=owner,
                      portals=_portals(), replica=True).acquire()


def test_a_held_lease_is_refused_to_another_owner_and_taken_once_released(state_url):
    store = StateStore.open(state_url)
    assert store.take_lease("acme", "a", T0, STALE) is None
    assert store.take_lease("acme", "b", T0 + timedelta(seconds=5), STALE).owner == "a"
    assert store.take_lease("globex", "b", T0, STALE) is None
    store.release_lease("acme", "a")
    assert store.take_lease("acme", "b", T0 + timedelta(seconds=6), STALE) is None


def test_a_lease_whose_heartbeat_stopped_is_taken_over(state_url):
    store = StateStore.open(state_url)
    store.take_lease("acme", "a", T0, STALE)
    assert store.take_lease("acme", "b", T0 + STALE - timedelta(seconds=1), STALE) is not None
    assert store.take_lease("acme", "b", T0 + STALE, STALE) is None


def test_three_replicas_hold_two_of_six_portals_each_and_never_the_same(pg):
    replicas = [_replica(pg, f"host-{i} pid {i}") for i in range(3)]
    try:
        owned = {r.owner: [n for n in PORTALS if r.owns(n)] for r in replicas}
        assert sorted(len(names) for names in owned.values()) == [2, 2, 2]
        assert sorted(n for names in owned.values() for n in names) == list(PORTALS)
    finally:
        for r in replicas:
            r.release()


def test_a_replica_joining_gets_the_portals_the_first_hands_back(pg):
    first = _replica(pg, "host-a pid 1")
    assert [n for n in PORTALS if first.owns(n)] == list(PORTALS)
    second = _replica(pg, "host-b pid 2")
    try:
        assert [n for n in PORTALS if first.owns(n)] == ["p4", "p5", "p6"]
        assert [n for n in PORTALS if second.owns(n)] == ["p1", "p2", "p3"]
    finally:
        first.release()
        second.release()


def _age(store, owner, by: timedelta) -> None:
    """Move `owner`'s heartbeats back by `by`: as if it had stopped beating that long ago."""
    with store.engine.begin() as conn:
        for table in ("leases", "locks"):
            conn.execute(sa.text(f"update {table} set heartbeat_at = heartbeat_at - :by "
                                 "where owner = :owner"), {"by": by, "owner": owner})


def test_a_dead_replicas_portals_are_taken_over_and_its_runs_marked_interrupted(pg):
    dead = _replica(pg, "lost-node pid 1")
    assert dead.owns("p1")
    dead._stop.set()  # the process dies: no more heartbeats, nothing released
    run = pg.start_run("p1", "incremental", T0)
    survivor = _replica(pg, "host-b pid 2")
    try:
        assert not survivor.owns("p1")  # still fresh
        _age(pg, "lost-node pid 1", STALE + timedelta(seconds=1))
        assert survivor.owns("p1")
        [record] = pg.runs("p1")
        assert (record.id, record.outcome) == (run, "interrupted")
    finally:
        survivor.release()


def test_release_hands_every_lease_back_at_once(pg):
    leaving = _replica(pg, "host-a pid 1")
    assert all(leaving.owns(n) for n in PORTALS)
    leaving.release()
    staying = _replica(pg, "host-b pid 2")
    try:
        assert all(staying.owns(n) for n in PORTALS)
    finally:
        staying.release()


def test_a_one_shot_sync_of_a_portal_a_replica_syncs_is_refused_naming_it(pg):
    worker = _replica(pg, "host-a pid 1")
    assert worker.owns("p1")
    one_shot = WorkerLock(pg, wait_seconds=0, stale_seconds=120, owner="cron pid 9",
                          portals=_portals(["p1"]))
    try:
        with pytest.raises(UserError, match="portal p1 is being synced by host-a pid 1"):
            one_shot.acquire()
    finally:
        worker.release()


def test_a_second_worker_on_sqlite_is_told_that_replicas_need_postgresql(tmp_path):
    store = StateStore.open(default_url(tmp_path))
    first = WorkerLock(store, wait_seconds=0, stale_seconds=120, owner="host-a pid 1").acquire()
    try:
        with pytest.raises(UserError, match="SQLite store serves one worker") as caught:
            WorkerLock(store, wait_seconds=0, stale_seconds=120, owner="host-b pid 2").acquire()
        assert "postgresql+psycopg://" in str(caught.value)
    finally:
        first.release()


def test_replicas_opening_a_fresh_postgresql_store_together_migrate_it_once(postgres_url):
    errors, barrier = [], threading.Barrier(4)

    def open_store():
        barrier.wait()
        try:
            StateStore.open(postgres_url).close()
        except Exception as exc:  # a UniqueViolation, before the advisory lock
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select version from schema_version")).scalars().all() == [
            migrations.LATEST]
    engine.dispose()


def test_a_lease_known_dead_is_taken_from_that_holder_only_never_from_its_new_holder(state_url):
    store = StateStore.open(state_url)
    store.take_lease("acme", "dead", T0, STALE)
    assert store.take_lease("acme", "b", T0 + timedelta(seconds=1), STALE, dead_owner="dead") is None
    late = store.take_lease("acme", "c", T0 + timedelta(seconds=2), STALE, dead_owner="dead")
    assert late is not None and late.owner == "b"


def test_a_worker_lock_known_dead_is_taken_from_that_holder_only(state_url):
    store = StateStore.open(state_url)
    store.acquire_lock("worker", "dead", T0, STALE)
    assert store.acquire_lock("worker", "b", T0 + timedelta(seconds=1), STALE,
                              dead_owner="dead") is None
    late = store.acquire_lock("worker", "c", T0 + timedelta(seconds=2), STALE, dead_owner="dead")
    assert late is not None and late.owner == "b"


def test_a_lease_not_renewed_for_two_thirds_of_the_stale_time_may_no_longer_write(
        state_url, monkeypatch):
    store = StateStore.open(state_url)
    lock = WorkerLock(store, wait_seconds=0, stale_seconds=30, owner="host-a pid 1",
                      portals=_portals(["acme"])).acquire()
    try:
        assert lock.holds("acme")
        taken = time.monotonic()
        lock._stop.set()  # the heartbeat stalls (a starved process, an unreachable database)
        monkeypatch.setattr("connector.worker.lock.time.monotonic", lambda: taken + 21)
        assert not lock.holds("acme")
    finally:
        lock.release()


def test_a_portal_whose_lease_is_not_held_may_not_be_written(pg):
    lock = _replica(pg, "host-a pid 1")
    try:
        assert not lock.holds("p1")
        assert lock.owns("p1") and lock.holds("p1")
    finally:
        lock.release()
