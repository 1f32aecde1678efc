"""The properties API through the real client: list, read, create, groups, 409 conflicts."""

from __future__ import annotations

import json

import pytest
from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInput
from hubspot.crm.properties import ApiException, PropertyCreate, PropertyGroupCreate, PropertyUpdate


def _create(client, **fields):
    fields.setdefault("group_name", "contactinformation")
    return client.crm.properties.core_api.create("contacts", PropertyCreate(**fields))


def test_list_contact_properties_includes_the_marketing_counters(client):
    names = {p.name for p in client.crm.properties.core_api.get_all("contacts").results}
    assert {"email", "lifecyclestage", "hs_analytics_num_page_views", "hs_email_last_open_date",
            "recent_conversion_event_name", "hs_email_optout"} <= names


def test_read_one_property_with_its_options(client):
    stage = client.crm.properties.core_api.get_by_name("contacts", "lifecyclestage")
    assert stage.type == "enumeration"
    assert [o.value for o in stage.options][:3] == ["subscriber", "lead", "marketingqualifiedlead"]


def test_reading_an_unknown_property_is_404(client):
    with pytest.raises(ApiException) as err:
        client.crm.properties.core_api.get_by_name("contacts", "leadscore_fit")
    assert err.value.status == 404


def test_created_property_is_listed_and_accepts_writes(wclient, sandbox):
    created = _create(wclient, name="leadscore_fit", label="Fit score", type="number", field_type="number")
    assert created.name == "leadscore_fit" and created.hubspot_defined is False
    wclient.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(
        inputs=[{"id": "1", "properties": {"leadscore_fit": "42"}}]))
    assert sandbox.contact(1, ["leadscore_fit"]) == {"leadscore_fit": "42"}


def test_creating_an_existing_property_is_409(wclient):
    _create(wclient, name="leadscore_label", label="Label", type="enumeration", field_type="select",
            options=[{"label": "Hot", "value": "hot"}])
    with pytest.raises(ApiException) as err:
        _create(wclient, name="leadscore_label", label="Label", type="enumeration", field_type="select",
                options=[{"label": "Hot", "value": "hot"}])
    assert err.value.status == 409
    assert json.loads(err.value.body)["category"] == "OBJECT_ALREADY_EXISTS"


def test_creating_a_default_property_is_409(wclient):
    with pytest.raises(ApiException) as err:
        _create(wclient, name="email", label="Email", type="string", field_type="text")
    assert err.value.status == 409


def test_a_created_enumeration_refuses_values_outside_its_options(wclient):
    from hubspot.crm.contacts import ApiException as ContactsApiException

    _create(wclient, name="leadscore_grade", label="Grade", type="enumeration", field_type="select",
            options=[{"label": "A1", "value": "A1"}])
    with pytest.raises(ContactsApiException) as err:
        wclient.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(
            inputs=[{"id": "1", "properties": {"leadscore_grade": "Z9"}}]))
    assert err.value.status == 400


def test_an_update_adds_options_that_writes_then_accept(wclient, sandbox):
    _create(wclient, name="leadscore_tier", label="Tier", type="enumeration", field_type="select",
            options=[{"label": "Hot", "value": "hot"}])
    updated = wclient.crm.properties.core_api.update("contacts", "leadscore_tier", PropertyUpdate(
        options=[{"label": "Hot", "value": "hot"}, {"label": "Lukewarm", "value": "lukewarm"}]))
    assert [o.value for o in updated.options] == ["hot", "lukewarm"]
    assert updated.label == "Tier" and updated.type == "enumeration"
    wclient.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(
        inputs=[{"id": "2", "properties": {"leadscore_tier": "lukewarm"}}]))
    assert sandbox.contact(2, ["leadscore_tier"]) == {"leadscore_tier": "lukewarm"}


def test_updating_an_unknown_property_is_404(wclient):
    with pytest.raises(ApiException) as err:
        wclient.crm.properties.core_api.update("contacts", "leadscore_nope", PropertyUpdate(label="Nope"))
    assert err.value.status == 404


def test_a_hubspot_defined_property_definition_is_read_only(wclient):
    with pytest.raises(ApiException) as err:
        wclient.crm.properties.core_api.update("contacts", "email", PropertyUpdate(label="E-mail"))
    assert err.value.status == 400
    assert json.loads(err.value.body)["category"] == "VALIDATION_ERROR"


def test_a_number_property_refuses_text(wclient):
    from hubspot.crm.contacts import ApiException as ContactsApiException

    _create(wclient, name="leadscore_engagement", label="Engagement", type="number", field_type="number")
    with pytest.raises(ContactsApiException) as err:
        wclient.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(
            inputs=[{"id": "1", "properties": {"leadscore_engagement": "lots"}}]))
    assert "INVALID_FLOAT" in json.loads(err.value.body)["message"]


def test_a_datetime_property_takes_epoch_ms_and_serves_iso(wclient, sandbox):
    _create(wclient, name="leadscore_scored_at", label="Scored at", type="datetime", field_type="date")
    wclient.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(
        inputs=[{"id": "1", "properties": {"leadscore_scored_at": "1767225600000"}}]))
    assert sandbox.contact(1, ["leadscore_scored_at"]) == {"leadscore_scored_at": "2026-01-01T00:00:00.000Z"}


@pytest.mark.parametrize("fields,fragment", [
    ({"name": "Bad Name", "label": "x", "type": "string", "field_type": "text"}, "lowercase"),
    ({"name": "ok_name", "label": "x", "type": "number", "field_type": "select"}, "fieldType"),
    ({"name": "ok_name", "label": "x", "type": "strange", "field_type": "text"}, "type"),
    ({"name": "ok_name", "label": "x", "type": "string", "field_type": "text", "group_name": "nogroup"}, "group"),
])
def test_invalid_property_definitions_are_400(wclient, fields, fragment):
    with pytest.raises(ApiException) as err:
        _create(wclient, **fields)
    assert err.value.status == 400
    assert fragment in json.loads(err.value.body)["message"]


def test_groups_can_be_created_once(wclient):
    group = wclient.crm.properties.groups_api.create("contacts", PropertyGroupCreate(name="leadscore", label="leadscore"))
    assert group.name == "leadscore"
    names = {g.name for g in wclient.crm.properties.groups_api.get_all("contacts").results}
    assert "leadscore" in names
    with pytest.raises(ApiException) as err:
        wclient.crm.properties.groups_api.create("contacts", PropertyGroupCreate(name="leadscore", label="leadscore"))
    assert err.value.status == 409


def test_a_property_can_be_created_in_a_new_group(wclient):
    wclient.crm.properties.groups_api.create("contacts", PropertyGroupCreate(name="leadscore", label="leadscore"))
    created = _create(wclient, name="leadscore_reasons", label="Reasons", type="string", field_type="textarea",
                      group_name="leadscore")
    assert created.group_name == "leadscore"


def test_read_one_group_and_a_missing_one(client):
    assert client.crm.properties.groups_api.get_by_name("contacts", "contactinformation").label == "Contact information"
    with pytest.raises(ApiException) as err:
        client.crm.properties.groups_api.get_by_name("contacts", "nogroup")
    assert err.value.status == 404


def test_engagement_types_have_their_own_properties(client):
    names = {p.name for p in client.crm.properties.core_api.get_all("meetings").results}
    assert {"hs_meeting_outcome", "hs_timestamp", "hs_lastmodifieddate"} <= names
