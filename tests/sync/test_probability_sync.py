"""A sync with a calibrated model: each scored lead carries the probability as a number field,
created by setup (HubSpot: by the sync's own property check), and the reasons end with its
sentence; on HubSpot and Salesforce alike."""

from __future__ import annotations

import pytest
from hubspot import HubSpot

from connector.crm.registry import open_adapter
from connector.sandbox.salesforce import SalesforceSandbox
from connector.scoring import load_model
from connector.sync.service import sync_once
from tests.scoring.test_calibration import TABLE
from tests.sync import hubspot_helpers, salesforce_helpers
from tests.sync.hubspot_helpers import ANCHOR, MODEL, NOW, contact_ids, fast_portal


@pytest.fixture
def calibrated(tmp_path):
    path = tmp_path / "calibrated.toml"
    path.write_text(MODEL.read_text(encoding="utf-8") + TABLE, encoding="utf-8")
    return path


def _sentence(reasons: str) -> str:
    return reasons.splitlines()[-1]


def test_hubspot_contacts_carry_leadscore_probability_in_percent(calibrated, tmp_path):
    model = load_model(calibrated)
    with fast_portal(40, 5) as sb:
        sync_once(hubspot_helpers.settings_for(sb, tmp_path, model_path=calibrated), full=True, as_of=NOW)
        for cid in contact_ids(sb):
            held = sb.contact(cid, ["leadscore_probability", "leadscore_fit", "leadscore_engagement", "leadscore_reasons"])
            score = int(float(held["leadscore_fit"])) + int(float(held["leadscore_engagement"]))
            percent = model.calibration.probability(score)
            assert float(held["leadscore_probability"]) == percent
            assert _sentence(held["leadscore_reasons"]).startswith(f"of leads scored like this, {percent:.0f}% became")


def test_a_model_without_a_table_creates_no_probability_property(tmp_path):
    with fast_portal(5, 5) as sb:
        sync_once(hubspot_helpers.settings_for(sb, tmp_path), full=True, as_of=NOW)
        names = {p.name for p in HubSpot(access_token=sb.token, host=sb.url).crm.properties.core_api.get_all("contacts").results}
        assert "leadscore_fit" in names and "leadscore_probability" not in names


def test_salesforce_setup_creates_leadscore_probability_and_the_sync_writes_it(calibrated, tmp_path):
    model = load_model(calibrated)
    with SalesforceSandbox.start(people=30, seed=3, anchor=ANCHOR) as sb:
        cfg = salesforce_helpers.settings_for(sb, tmp_path, model_path=calibrated)
        adapter = open_adapter(cfg, model)
        try:
            setup = adapter.field_setup(model)
            assert {p.where for p in setup.problems()} == {"Lead.Leadscore_Probability__c"}
            setup.create_missing()
        finally:
            adapter.close()
        sync_once(cfg, full=True, as_of=NOW)
        for lead in sb.ids("Lead"):
            record = sb.record(lead)
            score = int(record["Leadscore_Fit__c"]) + int(record["Leadscore_Engagement__c"])
            assert record["Leadscore_Probability__c"] == model.calibration.probability(score)
            assert "became customers within 90 days" in _sentence(record["Leadscore_Reasons__c"])


def test_a_keyed_calibrated_models_salesforce_field_follows_the_keyed_names():
    from connector.crm.salesforce.mapping import MappingConfig

    config = MappingConfig({}, {}, {}, keys=(None, "enterprise"), calibrated=("enterprise",))
    names = config.score_fields()
    assert names["enterprise_probability"] == "Leadscore_Enterprise_Probability__c" and "probability" not in names
