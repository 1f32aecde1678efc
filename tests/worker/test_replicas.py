"""Three `leadscore run` replicas over a real PostgreSQL server share six HubSpot sandbox portals;
one is SIGKILLed in the middle of a portal's sync. Every portal ends fully synced and the
sandboxes' write logs show no lead written twice (issue 17, items 2 and 3)."""

from __future__ import annotations

import signal
import time
from contextlib import ExitStack

import pytest
import sqlalchemy as sa

from connector.sandbox.hubspot import HubSpotSandbox
from connector.state import StateStore
from tests.sync.hubspot_helpers import ANCHOR, batch_updates, contact_ids
from tests.sync.test_hubspot_kill import worker_env
from tests.sync.workers import leadscore

CONTACTS = 500  # five write batches a portal
PORTALS = [f"p{i}" for i in range(1, 7)]
SANDBOX = {"anchor": ANCHOR, "rate_limit_per_10s": 5000, "search_per_second": 500}

pytestmark = pytest.mark.slow


def _env(sandboxes, tmp_path, state_url):
    env = worker_env(sandboxes["p1"], tmp_path)
    env.update({
        "LEADSCORE_STATE_URL": state_url, "LEADSCORE_PORTALS": ",".join(PORTALS),
        "LEADSCORE_HTTP_HOST": "127.0.0.1", "LEADSCORE_HTTP_PORT": "0",
        "LEADSCORE_SYNC_INTERVAL_SECONDS": "10", "LEADSCORE_LOCK_STALE_SECONDS": "3",
    })
    for name, sb in sandboxes.items():
        env[f"LEADSCORE_PORTAL_{name.upper()}_HUBSPOT_URL"] = sb.url
        env[f"LEADSCORE_PORTAL_{name.upper()}_HUBSPOT_TOKEN"] = sb.token
    del env["LEADSCORE_PORTAL"]
    return env


def _lease_owners(engine) -> dict[str, str]:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("leases"):  # the replicas are still starting
            return {}
        rows = conn.execute(sa.text("select portal, owner from leases where owner is not null"))
        return {portal.split(":", 1)[1]: owner for portal, owner in rows}


def _kill_one_mid_sync(replicas, sandboxes, engine) -> str:
    """SIGKILL the replica syncing a portal whose writes have begun but not ended; that portal."""
    by_pid = {str(r.pid): r for r in replicas}
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        for portal, owner in _lease_owners(engine).items():
            victim = by_pid.get(owner.rpartition(" pid ")[2])
            if victim is not None and 0 < batch_updates(sandboxes[portal]) < CONTACTS // 100:
                victim.send_signal(signal.SIGKILL)
                victim.wait(10)
                return portal
        time.sleep(0.005)
    raise AssertionError("no replica was caught in the middle of a portal's writes")


def _written(sb) -> dict[str, int]:
    return {cid: len(sb.write_history(cid)) for cid in contact_ids(sb)}


def _wait_until_all_written(sandboxes, replicas, timeout=45.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(min(_written(sb).values()) >= 1 for sb in sandboxes.values()):
            return
        assert any(r.poll() is None for r in replicas), "every replica exited"
        time.sleep(0.25)
    raise AssertionError("not every portal was fully synced in time")


def test_three_replicas_share_six_portals_survive_a_sigkill_and_write_no_lead_twice(
        tmp_path, postgres_url):
    engine = sa.create_engine(postgres_url)
    with ExitStack() as stack:
        sandboxes = {name: stack.enter_context(HubSpotSandbox.start(contacts=CONTACTS, seed=i,
                                                                    **SANDBOX))
                     for i, name in enumerate(PORTALS, 1)}
        env = _env(sandboxes, tmp_path, postgres_url)
        replicas = [leadscore("run", env=env) for _ in range(3)]
        try:
            killed_portal = _kill_one_mid_sync(replicas, sandboxes, engine)
            survivors = [r for r in replicas if r.poll() is None]
            assert len(survivors) == 2
            _wait_until_all_written(sandboxes, survivors)
            time.sleep(1.5)  # a moment for any write that would come twice
            for replica in survivors:
                replica.send_signal(signal.SIGTERM)
            outputs = [r.communicate(timeout=30)[0] for r in survivors]
            assert [r.returncode for r in survivors] == [0, 0], outputs
            assert all("holding the lease of portal" in out for out in outputs)  # both shared
            assert any(f"holding the lease of portal {killed_portal}" in out for out in outputs)
        finally:
            for replica in replicas:
                if replica.poll() is None:
                    replica.kill()
                    replica.wait(10)
        written = {name: _written(sb) for name, sb in sandboxes.items()}
    twice = {name: [cid for cid, n in counts.items() if n > 1] for name, counts in written.items()}
    assert twice == {name: [] for name in PORTALS}
    assert all(set(counts.values()) == {1} for counts in written.values())
    assert _lease_owners(engine) == {}  # SIGTERM handed every lease back
    store = StateStore.open(postgres_url)
    outcomes = [r.outcome for r in store.runs(killed_portal, 20)]
    assert "interrupted" in outcomes  # newest first: a later run of the portal succeeded
    assert "ok" in outcomes[:outcomes.index("interrupted")]
    store.close()
    engine.dispose()
