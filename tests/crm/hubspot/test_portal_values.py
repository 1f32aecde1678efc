"""Contact values reach the scoring core as a portal holds them: `numemployees` a range from its
dropdown, `annualrevenue` and `country` free text (sandbox portal, real client, the adapter)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.sandbox.hubspot.catalog import EMPLOYEE_RANGES
from connector.scoring import load_model, score_lead
from connector.crm.registry import open_adapter
from tests.sync.hubspot_helpers import MODEL, fast_portal, settings_for

IDS = [str(i) for i in range(1, 121)]


@pytest.fixture(scope="module")
def sb():
    with fast_portal(120, 11) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def leads(sb, tmp_path_factory):
    adapter = open_adapter(settings_for(sb, tmp_path_factory.mktemp("values")), load_model(MODEL))
    return {r.lead.id: r.lead for r in adapter.read_leads(IDS)}


def test_numemployees_reaches_the_lead_as_the_range_hubspot_holds(sb, leads):
    held = {cid: sb.contact(cid, ["numemployees"])["numemployees"] for cid in IDS}
    assert "25-50" in held.values()
    for cid, value in held.items():
        assert leads[cid].properties.get("numemployees") == value
        assert value is None or value in EMPLOYEE_RANGES


def test_annual_revenue_reaches_the_lead_as_typed_text(sb, leads):
    held = {cid: sb.contact(cid, ["annualrevenue"])["annualrevenue"] for cid in IDS}
    assert any(v and "," in v for v in held.values()) and any(v and v.startswith("$") for v in held.values())
    assert all(leads[cid].properties.get("annualrevenue") == value for cid, value in held.items())


SIZE_RULE = {"1-5": "company_size_small", "5-25": "company_size_small", "25-50": "company_size_small",
             "50-100": "company_size_mid", "100-500": "company_size_mid",
             "500-1000": "company_size_mid", "1000+": "company_size_enterprise"}


def test_the_default_model_scores_each_range_read_from_the_portal_as_intended(sb, leads):
    model = load_model(MODEL)
    seen = set()
    for lead in leads.values():
        value = lead.properties.get("numemployees")
        if value is None:
            continue
        fired = {r.rule for r in score_lead(lead, model, datetime(2026, 11, 20, tzinfo=UTC)).reasons}
        sizes = fired & set(SIZE_RULE.values())
        assert sizes == {SIZE_RULE[value]}, (lead.id, value, sizes)
        seen.add(value)
    assert "25-50" in seen and len(seen) >= 4
