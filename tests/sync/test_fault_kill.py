"""The fault run: the sandbox misbehaving (429s, 5xx, answers lost after a write was applied,
partial 207s) while the sync is SIGKILLed at random moments and restarted until it has finished
with nothing left failed. The CRM then holds what a clean run leaves, no lead was lost, and its
write log shows no lead written twice with the same values (issue 13, "How to prove it")."""

from __future__ import annotations

import random
import signal
import time
from collections import Counter

from connector.sandbox.hubspot import HubSpotSandbox
from connector.state import StateStore, default_url
from connector.sync.service import sync_once
from tests.sync.hubspot_helpers import (
    ANCHOR, NOW, api_writes, batch_updates, contact_ids, crm_state, settings_for,
)
from tests.sync.test_hubspot_kill import leadscore, worker_env

CONTACTS = 900  # nine write batches
FAULTS = "rate_429=0.05,retry_after=0.02,rate_5xx=0.05,rate_drop=0.2,rate_partial=0.08,seed=13"
FAST_SB = {"anchor": ANCHOR, "rate_limit_per_10s": 5000, "search_per_second": 500}
KILLS = 6
RUNS_AT_MOST = 20


def run_and_maybe_kill(sb, env, rng: random.Random, kill: bool) -> tuple[int, str]:
    """One `leadscore sync`; when `kill`, SIGKILLed after a random number of batch updates
    (0: while it still reads) plus a random few milliseconds."""
    before = batch_updates(sb)
    worker = leadscore("sync", env=env)
    if kill:
        target, delay = before + rng.choice((0, 1, 1, 2, 3)), rng.uniform(0, 0.05)
        deadline = time.monotonic() + 30
        while batch_updates(sb) < target and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(delay)
        if worker.poll() is None:
            worker.send_signal(signal.SIGKILL)
    output = worker.communicate(timeout=120)[0]
    return worker.returncode, output


def test_killed_at_random_under_faults_and_restarted_the_crm_ends_as_after_a_clean_run(tmp_path):
    with HubSpotSandbox.start(contacts=CONTACTS, seed=5, **FAST_SB) as clean:
        sync_once(settings_for(clean, tmp_path / "clean"), full=True, as_of=NOW)
        expected = crm_state(clean, contact_ids(clean))

    rng = random.Random(7)
    with HubSpotSandbox.start(contacts=CONTACTS, seed=5, faults=FAULTS, **FAST_SB) as sb:
        env = worker_env(sb, tmp_path / "faulty")
        env.update({"LEADSCORE_RETRY_ATTEMPTS": "10", "LEADSCORE_RETRY_MAX_WAIT_SECONDS": "0.05"})
        store_url = default_url(tmp_path / "faulty" / "data")
        kills, outputs = 0, []
        for _ in range(RUNS_AT_MOST):
            code, output = run_and_maybe_kill(sb, env, rng, kill=kills < KILLS)
            outputs.append(output)
            if code == -signal.SIGKILL:
                kills += 1
                continue
            assert code == 0, output
            with StateStore.open(store_url) as store:
                if kills >= KILLS and not store.failed("test"):
                    break
        else:
            raise AssertionError("the sync never finished with nothing failed")

        statuses = Counter(status for _, _, status in sb.requests())
        updates = batch_updates(sb)
        sb.set_faults(None)  # for the checks' own reads
        ids = contact_ids(sb)
        assert len(ids) == CONTACTS
        assert crm_state(sb, ids) == expected, "the CRM differs from a clean run's"
        twice = []
        for cid in ids:
            writes = [tuple(sorted((k, v) for k, v in w.items() if k != "leadscore_scored_at"))
                      for w in api_writes(sb, cid)]
            twice += [cid for _, n in Counter(writes).items() if n > 1]
        assert twice == [], f"written twice with the same values: {twice[:10]}"

        log = "\n".join(outputs)
        print(f"\nfault run: {kills} kills, {len(outputs)} runs, {updates} batch updates; answers 429: {statuses[429]}, "
              f"5xx: {sum(n for s, n in statuses.items() if 500 <= s < 600)}, 207: {statuses[207]}; "
              f"connections lost: {log.count('connection lost')}, rechecks after a lost answer: "
              f"{log.count('already held their values')}; leads written twice with the same values: 0")
        assert kills == KILLS and statuses[429] and statuses[207] and "connection lost" in log
