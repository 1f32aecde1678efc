"""A worker killed with SIGKILL in the middle of a Salesforce sync, then restarted, ends where a
clean run ends and writes no lead twice with the same values."""

from __future__ import annotations

from connector.sandbox.salesforce import SalesforceSandbox
from connector.sync.service import sync_once
from tests.sync.salesforce_helpers import (
    ANCHOR, NOW, Clock, api_writes, crm_state, settings_for, worker_env, write_calls,
)
from tests.sync.workers import kill_at_first_write, leadscore

PEOPLE = 1200  # about 1,100 leads: six collection calls of 200


def test_killed_mid_sync_and_restarted_ends_as_a_clean_run_writing_nothing_twice(tmp_path):
    with SalesforceSandbox.start(people=PEOPLE, seed=5, anchor=ANCHOR, clock=Clock(NOW)) as clean:
        sync_once(settings_for(clean, tmp_path / "clean"), full=True, as_of=NOW)
        expected = crm_state(clean, clean.ids("Lead"))
        clean_writes = write_calls(clean)

    with SalesforceSandbox.start(people=PEOPLE, seed=5, anchor=ANCHOR, clock=Clock(NOW)) as sb:
        env = worker_env(sb, tmp_path / "killed", NOW)
        at_kill = kill_at_first_write(leadscore("sync", "--full", env=env), lambda: write_calls(sb))
        assert 0 < at_kill < clean_writes, "the kill must land in the middle of the writes"

        restarted = leadscore("sync", env=env)
        output, _ = restarted.communicate(timeout=120)
        assert restarted.returncode == 0, output

        ids = sb.ids("Lead")
        assert crm_state(sb, ids) == expected
        for lead in ids:
            writes = [tuple(sorted(w.items())) for w in api_writes(sb, lead)]
            assert len(writes) == len(set(writes)), f"lead {lead} written twice with the same values"
