"""The README in order: a HubSpot sync, then `LEADSCORE_CRM=salesforce leadscore sync` in the same
data directory, both on the portal key "default" (issue 13, item 9). The Salesforce sync used to
be handed HubSpot's checkpoint and die with a traceback."""

from __future__ import annotations

from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.salesforce import SalesforceSandbox
from connector.state import StateStore, default_url
from connector.sync.service import sync_once
from tests.sync import hubspot_helpers as hs
from tests.sync import salesforce_helpers as sf


def test_a_salesforce_sync_after_a_hubspot_sync_in_one_data_dir_starts_from_its_own_state(tmp_path):
    with HubSpotSandbox.start(contacts=60, seed=3, anchor=hs.ANCHOR, rate_limit_per_10s=5000,
                              search_per_second=500) as hubspot:
        sync_once(hs.settings_for(hubspot, tmp_path, portal="default"), full=True, as_of=hs.NOW)
    with SalesforceSandbox.start(people=60, seed=11, anchor=sf.ANCHOR, clock=sf.Clock(sf.NOW)) as org:
        report = sync_once(sf.settings_for(org, tmp_path, portal="default"), as_of=sf.NOW)
        assert report.stats.written == len(org.ids("Lead")) > 0
    url = default_url(tmp_path / "data")
    hubspot_state, salesforce_state = StateStore.open(url), StateStore.open(url, crm="salesforce")
    assert '"pass"' in hubspot_state.checkpoint("default")
    assert '"pass"' not in salesforce_state.checkpoint("default")
    assert [r.stats.written for r in hubspot_state.runs("default")] == [60]
    assert [r.mode for r in salesforce_state.runs("default")] == ["incremental"]
