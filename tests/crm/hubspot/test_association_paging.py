"""The adapter pages a contact's associations past one batch answer, through
`GET /crm/v4/objects/contacts/{id}/associations/{type}`, against the sandbox (whose heavy contact
carries more logged emails than one answer holds)."""

from __future__ import annotations

import pytest

from connector.crm.hubspot import reader
from connector.sandbox.hubspot.associations import ASSOCIATIONS_PAGE
from connector.sandbox.seed import HEAVY_INDEX
from connector.scoring import load_model
from connector.crm.registry import open_adapter
from tests.sync.hubspot_helpers import MODEL, fast_portal, settings_for

HEAVY = str(HEAVY_INDEX + 1)
PER_OBJECT = f"/crm/v4/objects/contacts/{HEAVY}/associations/emails"


@pytest.fixture
def sb():
    with fast_portal(20, 11) as sandbox:
        yield sandbox


@pytest.fixture
def adapter(sb, tmp_path):
    return open_adapter(settings_for(sb, tmp_path), load_model(MODEL))


def test_the_heavy_contact_has_more_emails_than_one_answer_holds(sb):
    assert len(sb.store.associated("contacts", "emails", int(HEAVY))) > ASSOCIATIONS_PAGE


def test_every_association_is_read_through_the_per_object_pages(sb, adapter):
    found = reader.associated_ids(adapter.client, "contacts", "emails", [HEAVY, "1"])
    assert found[HEAVY] == [str(i) for i in sb.store.associated("contacts", "emails", int(HEAVY))]
    assert ("GET", PER_OBJECT, 200) in sb.requests()


def test_a_lead_read_carries_the_events_of_every_page(sb, adapter):
    [record] = adapter.read_leads([HEAVY])
    emails = sb.store.associated("contacts", "emails", int(HEAVY))
    sales_emails = [e for e in record.lead.events if e.attributes.get("channel") == "sales" or e.type == "email_reply"]
    assert len(sales_emails) == len(emails) > ASSOCIATIONS_PAGE
