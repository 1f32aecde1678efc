"""End-to-end against the HubSpot sandbox: each contact at most once a run after failed records,
and a batch update whose answer was lost re-sending only what HubSpot does not hold yet."""

from __future__ import annotations

from collections import Counter

from connector.sandbox.hubspot import HubSpotSandbox
from connector.state import StateStore, default_url
from connector.sync.service import sync_once
from tests.sync.hubspot_helpers import (
    ANCHOR, NOW, api_writes, contact_ids, crm_state, settings_for,
)

CONTACTS = 500
FAST_SB = {"anchor": ANCHOR, "rate_limit_per_10s": 5000, "search_per_second": 500}


def batch_inputs(sb) -> list[list[str]]:
    """The contact ids of each batch update the sandbox applied, in order."""
    by_time: dict[object, list[str]] = {}
    for cid in contact_ids(sb):
        for when, _ in sb.write_history(cid):
            by_time.setdefault(when, []).append(cid)
    return list(by_time.values())


def test_after_a_run_with_failed_records_a_full_run_scores_and_writes_each_contact_once(tmp_path):
    with HubSpotSandbox.start(contacts=CONTACTS, seed=11, **FAST_SB) as sb:
        cfg = settings_for(sb, tmp_path, retry_attempts=12)
        sb.set_faults("rate_partial=0.5,seed=4")
        first = sync_once(cfg, full=True, as_of=NOW)
        assert first.stats.failed > 0
        sb.set_faults(None)
        before = {cid: len(api_writes(sb, cid)) for cid in contact_ids(sb)}
        second = sync_once(cfg, full=True, as_of=NOW)
        assert (second.stats.read, second.stats.scored) == (CONTACTS, CONTACTS)
        assert second.stats.written == first.stats.failed and second.stats.failed == 0
        again = Counter({cid: len(api_writes(sb, cid)) - n for cid, n in before.items()})
        assert max(again.values()) == 1 and sum(again.values()) == first.stats.failed
        duplicates = [r for _, p, s in sb.requests() if s == 400 and "batch/update" in p]
        assert duplicates == []


def test_a_lost_answer_to_a_batch_update_resends_only_what_hubspot_does_not_hold(tmp_path, caplog):
    with HubSpotSandbox.start(contacts=300, seed=11, **FAST_SB) as clean:
        sync_once(settings_for(clean, tmp_path / "clean"), full=True, as_of=NOW)
        expected = crm_state(clean, contact_ids(clean))
    with HubSpotSandbox.start(contacts=300, seed=11, **FAST_SB, faults="rate_drop=0.5,seed=2") as sb:
        cfg = settings_for(sb, tmp_path / "dropped", retry_attempts=10)
        with caplog.at_level("INFO", logger="connector.crm"):
            sync_once(cfg, full=True, as_of=NOW)
        ids = contact_ids(sb)
        assert crm_state(sb, ids) == expected
        assert all(len(api_writes(sb, cid)) == 1 for cid in ids), "a contact was written twice"
        rechecks = [r.getMessage() for r in caplog.records if "already held their values" in r.getMessage()]
        assert rechecks, "no batch update answer was lost: pick another fault seed"
        with StateStore.open(default_url(cfg.data_dir)) as store:
            assert store.failed("test") == []
