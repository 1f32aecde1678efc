"""End-to-end: two model files (one keyed `enterprise`) against the HubSpot sandbox."""

from __future__ import annotations

import math

import pytest
from hubspot import HubSpot

from connector.sync.service import sync_once
from tests.sync.hubspot_helpers import MODEL, NOW, ROOT, api_writes, contact_ids, fast_portal, settings_for

ENTERPRISE = ROOT / "config" / "models" / "enterprise.toml"
BOTH = f"{MODEL}, {ENTERPRISE}"
# Reasons too, unless a model found none for the contact (an empty text is not written).
KEYED = [f"leadscore_enterprise_{n}" for n in ("fit", "engagement", "label", "grade", "model",
                                                 "scored_at")]


def _sandbox():
    return fast_portal(150, 5)


def _reads(report) -> dict[str, int]:
    """The run's calls that read contacts and their engagement (not properties, not writes)."""
    return {k: v for k, v in report.stats.api_calls.items()
            if "/properties/" not in k and not k.endswith("/batch/update")}


@pytest.fixture
def sb():
    with _sandbox() as sandbox:
        yield sandbox


def test_a_sync_writes_both_property_sets_on_every_scored_contact_in_one_write(sb, tmp_path):
    report = sync_once(settings_for(sb, tmp_path, model_path=BOTH), full=True, as_of=NOW)
    ids = contact_ids(sb)
    assert report.stats.written == len(ids) == 150
    for cid in ids:
        [written] = api_writes(sb, cid)  # one write carries both models' values
        assert {"leadscore_fit", "leadscore_label", *KEYED} <= set(written)
    some = sb.contact(ids[0], ["leadscore_model", "leadscore_enterprise_model"])
    assert some == {"leadscore_model": "b2b-saas-default 1.0.0",
                    "leadscore_enterprise_model": "enterprise 1.0.0"}


def test_two_models_cost_no_more_read_calls_than_one(sb, tmp_path):
    two = sync_once(settings_for(sb, tmp_path / "two", model_path=BOTH), full=True, as_of=NOW)
    with _sandbox() as other:  # the same seeded portal, scored with one model
        one = sync_once(settings_for(other, tmp_path / "one"), full=True, as_of=NOW)
    assert _reads(two) == _reads(one)
    updates = "POST /crm/v3/objects/contacts/batch/update"
    assert two.stats.api_calls[updates] == one.stats.api_calls[updates]


def test_a_second_sync_writes_nothing(sb, tmp_path):
    cfg = settings_for(sb, tmp_path, model_path=BOTH)
    sync_once(cfg, full=True, as_of=NOW)
    again = sync_once(cfg, full=True, as_of=NOW)
    assert again.stats.scored == 150 and again.stats.written == 0 and again.stats.changed == 0


def test_the_enterprise_properties_are_created_with_the_enterprise_models_options(sb, tmp_path):
    sync_once(settings_for(sb, tmp_path, model_path=BOTH), full=True, as_of=NOW)
    client = HubSpot(access_token=sb.token, host=sb.url)
    label = client.crm.properties.core_api.get_by_name("contacts", "leadscore_enterprise_label")
    assert label.label == "Leadscore enterprise label" and label.group_name == "leadscore"
    assert [o.value for o in label.options] == ["hot", "warm", "cold"]


ACCOUNT = """
[account]
rollup = "top3_mean"
cap = 100

[[account.fit]]
id = "account_size_large"
property = "numberofemployees"
op = "gte"
value = 200
points = 50
reason = "large company: {value} employees"

[[account.labels]]
name = "hot"
min_fit = 50
min_engagement = 40

[[account.labels]]
name = "cold"
"""


def test_companies_roll_up_the_engagement_of_the_model_with_the_account_section(sb, tmp_path):
    """The [account] section in the keyed model: companies carry leadscore's plain names, their
    engagement the mean of their three most engaged contacts by that model's own engagement
    (rounded half up, held at the cap)."""
    text = MODEL.read_text()
    cut = text.index("\n[account]\n")
    plain = tmp_path / "plain.toml"
    plain.write_text(text[:cut] + "\n")
    enterprise = tmp_path / "enterprise.toml"
    enterprise.write_text(ENTERPRISE.read_text() + ACCOUNT)
    report = sync_once(settings_for(sb, tmp_path, model_path=f"{plain}, {enterprise}"), full=True, as_of=NOW)
    companies = sb.company_ids()
    assert report.accounts is not None and report.accounts.written == len(companies) > 5
    rolled = 0
    for company in companies:
        contacts = sb.store.associated("companies", "contacts", int(company))
        engaged = (int(sb.contact(c, ["leadscore_enterprise_engagement"])["leadscore_enterprise_engagement"])
                   for c in contacts)
        top = sorted(engaged, reverse=True)[:3]  # a contact with no engagement counts as 0
        expected = min(100, math.floor(sum(top) / len(top) + 0.5)) if top else 0
        held = sb.company(company, ["leadscore_engagement", "leadscore_enterprise_engagement"])
        assert int(held["leadscore_engagement"]) == expected
        assert held.get("leadscore_enterprise_engagement") is None
        rolled += expected > 0
    assert rolled > 0
