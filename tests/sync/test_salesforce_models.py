"""End-to-end: two model files (one keyed `enterprise`) against the Salesforce sandbox."""

from __future__ import annotations

import pytest

from connector.crm.registry import open_adapter
from connector.errors import UserError
from connector.sandbox.salesforce import SalesforceSandbox
from connector.scoring import load_models
from connector.sync.service import sync_once
from tests.sync.salesforce_helpers import ANCHOR, MODEL, NOW, ROOT, Clock, api_writes, settings_for

BOTH = f"{MODEL}, {ROOT / 'config' / 'models' / 'enterprise.toml'}"
KEYED = ["Leadscore_Enterprise_Fit__c", "Leadscore_Enterprise_Engagement__c",
         "Leadscore_Enterprise_Label__c", "Leadscore_Enterprise_Grade__c",
         "Leadscore_Enterprise_Model__c", "Leadscore_Enterprise_Scored_At__c"]


@pytest.fixture
def sb():
    with SalesforceSandbox.start(people=120, seed=11, anchor=ANCHOR, clock=Clock(NOW)) as sandbox:
        yield sandbox


def _create_fields(cfg) -> list[str]:
    models = load_models(cfg.model_path)
    adapter = open_adapter(cfg, models)
    try:
        return list(adapter.field_setup(models).create_missing())
    finally:
        adapter.close()


def test_a_keyed_models_fields_missing_stop_the_sync_naming_them_and_the_fix(sb, tmp_path):
    with pytest.raises(UserError) as caught:
        sync_once(settings_for(sb, tmp_path, model_path=BOTH), full=True, as_of=NOW)
    assert "Lead.Leadscore_Enterprise_Fit__c does not exist" in str(caught.value)
    assert "leadscore setup salesforce --create" in str(caught.value)


def test_setup_creates_the_keyed_fields_and_a_sync_writes_both_sets_in_one_write(sb, tmp_path):
    cfg = settings_for(sb, tmp_path, model_path=BOTH)
    created = _create_fields(cfg)
    assert "created Lead.Leadscore_Enterprise_Scored_At__c" in created
    assert not any("Enterprise_Stage" in name for name in created)  # one stage, the first model's
    report = sync_once(cfg, full=True, as_of=NOW)
    leads = sb.ids("Lead")
    assert report.stats.written == len(leads)
    for lead in leads:
        [written] = api_writes(sb, lead)
        assert {"Leadscore_Fit__c", *KEYED} <= set(written)
    assert sb.record(leads[0])["Leadscore_Enterprise_Model__c"] == "enterprise 1.0.0"
    again = sync_once(cfg, full=True, as_of=NOW)
    assert again.stats.written == 0 and again.stats.scored == report.stats.scored
