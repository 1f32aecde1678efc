"""A worker killed with SIGKILL in the middle of a Salesforce sync, then restarted, ends where a
clean run ends and writes no lead twice with the same values."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from connector.sandbox.salesforce import SalesforceSandbox
from connector.sync.service import sync_once
from tests.sync.salesforce_helpers import (
    ANCHOR, NOW, ROOT, Clock, api_writes, crm_state, settings_for, worker_env, write_calls,
)

PEOPLE = 1200  # about 1,100 leads: six collection calls of 200


def leadscore(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "connector", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_killed_mid_sync_and_restarted_ends_as_a_clean_run_writing_nothing_twice(tmp_path):
    with SalesforceSandbox.start(people=PEOPLE, seed=5, anchor=ANCHOR, clock=Clock(NOW)) as clean:
        sync_once(settings_for(clean, tmp_path / "clean"), full=True, now=NOW)
        expected = crm_state(clean, clean.ids("Lead"))
        clean_writes = write_calls(clean)

    with SalesforceSandbox.start(people=PEOPLE, seed=5, anchor=ANCHOR, clock=Clock(NOW)) as sb:
        env = worker_env(sb, tmp_path / "killed", NOW)
        worker = leadscore("sync", "--full", env=env)
        deadline = time.monotonic() + 60
        while write_calls(sb) == 0 and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        worker.send_signal(signal.SIGKILL)
        output = worker.communicate(timeout=10)[0]
        at_kill = write_calls(sb)
        assert worker.returncode == -signal.SIGKILL, output
        assert 0 < at_kill < clean_writes, "the kill must land in the middle of the writes"

        restarted = leadscore("sync", env=env)
        output, _ = restarted.communicate(timeout=120)
        assert restarted.returncode == 0, output

        ids = sb.ids("Lead")
        assert crm_state(sb, ids) == expected
        for lead in ids:
            writes = [tuple(sorted(w.items())) for w in api_writes(sb, lead)]
            assert len(writes) == len(set(writes)), f"lead {lead} written twice with the same values"
