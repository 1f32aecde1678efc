"""Single-object create and update, and property group update and archive, through the official
client's calls for them (basic_api.create/update, groups_api.update/archive)."""

from __future__ import annotations

import pytest
from hubspot.crm.contacts import ApiException, SimplePublicObjectInputForCreate
from hubspot.crm.contacts import SimplePublicObjectInput
from hubspot.crm.properties import PropertyGroupCreate, PropertyGroupUpdate


def test_a_contact_is_created_with_its_properties(wclient, sandbox):
    made = wclient.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(
        properties={"email": "new.person@example.com", "numemployees": "25-50"}))
    assert made.properties["email"] == "new.person@example.com"
    assert sandbox.contact(made.id, ["numemployees"])["numemployees"] == "25-50"


def test_a_second_contact_with_the_same_email_is_a_409(wclient, sandbox):
    email = sandbox.contact(3, ["email"])["email"]
    with pytest.raises(ApiException) as err:
        wclient.crm.contacts.basic_api.create(SimplePublicObjectInputForCreate(properties={"email": email.upper()}))
    assert err.value.status == 409 and "Existing ID: 3" in err.value.body


def test_a_contact_is_updated_by_id_and_by_email(wclient, sandbox):
    wclient.crm.contacts.basic_api.update("4", SimplePublicObjectInput(properties={"jobtitle": "CTO"}))
    email = sandbox.contact(5, ["email"])["email"]
    wclient.crm.contacts.basic_api.update(email, SimplePublicObjectInput(properties={"jobtitle": "CFO"}),
                                          id_property="email")
    assert sandbox.contact(4, ["jobtitle"])["jobtitle"] == "CTO"
    assert sandbox.contact(5, ["jobtitle"])["jobtitle"] == "CFO"


def test_updating_a_missing_contact_is_a_404(wclient):
    with pytest.raises(ApiException) as err:
        wclient.crm.contacts.basic_api.update("999999", SimplePublicObjectInput(properties={"jobtitle": "CTO"}))
    assert err.value.status == 404


def test_a_group_is_relabelled_then_archived(wclient):
    groups = wclient.crm.properties.groups_api
    groups.create("contacts", PropertyGroupCreate(name="scoring_extra", label="Extra"))
    updated = groups.update("contacts", "scoring_extra", PropertyGroupUpdate(label="Scoring extras", display_order=3))
    assert (updated.label, updated.display_order) == ("Scoring extras", 3)
    groups.archive("contacts", "scoring_extra")
    assert "scoring_extra" not in {g.name for g in groups.get_all("contacts").results}
