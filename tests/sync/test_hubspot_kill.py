"""A worker killed with SIGKILL in the middle of a sync, then restarted, ends where a clean run
ends, and writes no contact twice with the same values."""

from __future__ import annotations

import os

from connector.sync.service import sync_once
from tests.sync.hubspot_helpers import (
    FAST, MODEL, NOW, api_writes, batch_updates, contact_ids, crm_state, fast_portal, settings_for,
)
from tests.sync.workers import empty_env_file, kill_at_first_write, leadscore

CONTACTS = 1200  # two pages of work, twelve write batches


def worker_env(sb, tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADSCORE_")}
    env.update({
        "LEADSCORE_CRM": "hubspot", "LEADSCORE_HUBSPOT_URL": sb.url, "LEADSCORE_HUBSPOT_TOKEN": sb.token,
        "LEADSCORE_DATA_DIR": str(tmp_path / "data"), "LEADSCORE_MODEL_PATH": str(MODEL),
        "LEADSCORE_PORTAL": "test", "LEADSCORE_AS_OF": NOW.isoformat(), "LEADSCORE_FULL_RESCORE_HOURS": "0",
        "LEADSCORE_ENV_FILE": str(empty_env_file(tmp_path)),
        **{f"LEADSCORE_{k.upper()}": str(v) for k, v in FAST.items()},
    })
    return env


def test_killed_mid_sync_and_restarted_ends_as_a_clean_run_writing_nothing_twice(tmp_path):
    with fast_portal(CONTACTS, 5) as clean:
        sync_once(settings_for(clean, tmp_path / "clean"), full=True, as_of=NOW)
        expected = crm_state(clean, contact_ids(clean))
        clean_updates = batch_updates(clean)

    with fast_portal(CONTACTS, 5) as sb:
        env = worker_env(sb, tmp_path / "killed")
        at_kill = kill_at_first_write(leadscore("sync", "--full", env=env), lambda: batch_updates(sb))
        assert 0 < at_kill < clean_updates, "the kill must land in the middle of the writes"

        restarted = leadscore("sync", env=env)
        output, _ = restarted.communicate(timeout=120)
        assert restarted.returncode == 0, output

        ids = contact_ids(sb)
        assert crm_state(sb, ids) == expected
        for cid in ids:
            writes = [tuple(sorted((k, v) for k, v in w.items() if k != "leadscore_scored_at"))
                      for w in api_writes(sb, cid)]
            assert len(writes) == len(set(writes)), f"contact {cid} written twice with the same values"
