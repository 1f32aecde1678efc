"""The worker's shutdown deadline against a HubSpot sandbox that will not let the sync finish:
the process exits 1 within a few seconds of LEADSCORE_SHUTDOWN_TIMEOUT_SECONDS, its CRM calls
aborted, and a sync started afterwards gets the lock (released, or its dead holder taken over)."""

from __future__ import annotations

import signal
import time

import pytest

from connector.sandbox.hubspot import HubSpotSandbox
from tests.sync.hubspot_helpers import ANCHOR
from tests.sync.test_hubspot_kill import leadscore, worker_env

TIMEOUT = 2  # LEADSCORE_SHUTDOWN_TIMEOUT_SECONDS
FAULTS = {
    "rate-limited": "rate_429=1,retry_after=60",  # every call 429, Retry-After a minute
    "slow": "rate_slow=1,slow_seconds=25",  # every answer 25 s late
}


def started_calling(sb, worker, deadline=30.0) -> None:
    end = time.monotonic() + deadline
    while not sb.requests() and worker.poll() is None and time.monotonic() < end:
        time.sleep(0.02)
    time.sleep(0.3)  # inside the wait or the call, not before it


@pytest.mark.parametrize("kind", FAULTS)
def test_the_worker_exits_1_within_seconds_of_its_shutdown_timeout(tmp_path, kind):
    with HubSpotSandbox.start(contacts=50, seed=3, anchor=ANCHOR, faults=FAULTS[kind]) as sb:
        env = worker_env(sb, tmp_path)
        env.update({"LEADSCORE_HTTP_HOST": "127.0.0.1", "LEADSCORE_HTTP_PORT": "0",
                    "LEADSCORE_SHUTDOWN_TIMEOUT_SECONDS": str(TIMEOUT),
                    "LEADSCORE_RETRY_MAX_WAIT_SECONDS": "60"})
        worker = leadscore("run", env=env)
        started_calling(sb, worker)
        worker.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        output = worker.communicate(timeout=30)[0]
        took = time.monotonic() - sent
        assert worker.returncode == 1, output
        assert took < TIMEOUT + 5, f"exited {took:.1f}s after SIGTERM\n{output}"
        assert "aborting its CRM calls" in output
        calls = len(sb.requests())

        sb.set_faults(None)
        follower = leadscore("sync", env=env)
        output = follower.communicate(timeout=120)[0]
        assert follower.returncode == 0, output
        assert "holds the lock" not in output
        assert len(sb.requests()) > calls
