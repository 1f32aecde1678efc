"""End-to-end against the Salesforce sandbox: a collection update whose answer was lost after
Salesforce applied it re-sends only the records that do not hold their values yet."""

from __future__ import annotations

from connector.sandbox.salesforce import Faults, SalesforceSandbox
from connector.state import StateStore, default_url
from connector.sync.service import sync_once
from tests.sync.salesforce_helpers import ANCHOR, NOW, Clock, api_writes, crm_state, settings_for

PEOPLE = 300


def test_a_lost_answer_to_a_collection_update_resends_only_what_salesforce_does_not_hold(tmp_path, caplog):
    with SalesforceSandbox.start(people=PEOPLE, seed=3, anchor=ANCHOR, clock=Clock(NOW)) as clean:
        sync_once(settings_for(clean, tmp_path / "clean"), full=True, as_of=NOW)
        expected = crm_state(clean, clean.ids("Lead"))
    with SalesforceSandbox.start(people=PEOPLE, seed=3, anchor=ANCHOR, clock=Clock(NOW),
                                 faults=Faults(seed=3, lost_rate=0.3)) as sb:  # a seed whose draws lose a collection answer
        cfg = settings_for(sb, tmp_path / "lost", retry_attempts=10)
        with caplog.at_level("INFO", logger="connector.crm"):
            sync_once(cfg, full=True, as_of=NOW)
        ids = sb.ids("Lead")
        assert crm_state(sb, ids) == expected
        assert all(len(api_writes(sb, i)) == 1 for i in ids), "a lead was written twice"
        with StateStore.open(default_url(cfg.data_dir)) as store:
            assert store.failed("test") == []
        rechecks = [r.getMessage() for r in caplog.records if "already held their values" in r.getMessage()]
        assert rechecks, "no collection answer was lost: pick another fault seed"
