"""Contacts v3 through the real hubspot-api-client: list, read, batch read, batch update."""

from __future__ import annotations

import json

import pytest
from dateutil.parser import isoparse
from hubspot.crm.contacts import ApiException, BatchInputSimplePublicObjectBatchInput, BatchReadInputSimplePublicObjectId

from tests.sandbox.hubspot.conftest import http

DEFAULT_PROPERTIES = {"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"}


def _update(client, inputs):
    return client.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(inputs=inputs))


def _read(client, ids, properties, **kwargs):
    body = BatchReadInputSimplePublicObjectId(inputs=[{"id": i} for i in ids], properties=properties, **kwargs)
    return client.crm.contacts.batch_api.read(body)


def test_list_pages_to_the_end_with_every_contact_once(client):
    seen, after = [], None
    while True:
        page = client.crm.contacts.basic_api.get_page(limit=100, after=after, properties=["email"])
        seen.extend(c.id for c in page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    assert len(seen) == 300
    assert len(set(seen)) == 300


def test_list_without_properties_returns_the_defaults(client):
    page = client.crm.contacts.basic_api.get_page(limit=3)
    assert set(page.results[0].properties) == DEFAULT_PROPERTIES


def test_list_objects_carry_ids_dates_and_string_values(client):
    contact = client.crm.contacts.basic_api.get_page(limit=1, properties=["hs_analytics_num_page_views", "hs_object_id"]).results[0]
    assert contact.id == contact.properties["hs_object_id"]
    assert contact.created_at is not None and contact.updated_at >= contact.created_at
    assert contact.archived is False
    assert all(v is None or isinstance(v, str) for v in contact.properties.values())


def test_list_accepts_comma_separated_properties(shared):
    status, body, _ = http(shared, "GET", "/crm/v3/objects/contacts?limit=2&properties=email,jobtitle")
    assert status == 200
    assert set(body["results"][0]["properties"]) == {"email", "jobtitle"}


def test_list_ignores_unknown_properties(client):
    page = client.crm.contacts.basic_api.get_page(limit=1, properties=["email", "no_such_thing"])
    assert set(page.results[0].properties) == {"email"}


def test_list_limit_over_100_is_a_validation_error(shared):
    status, body, _ = http(shared, "GET", "/crm/v3/objects/contacts?limit=101")
    assert status == 400
    assert body["category"] == "VALIDATION_ERROR"


def test_get_one_contact_by_id(client):
    contact = client.crm.contacts.basic_api.get_by_id("5", properties=["email"])
    assert contact.id == "5"


def test_get_unknown_contact_is_404(client):
    with pytest.raises(ApiException) as err:
        client.crm.contacts.basic_api.get_by_id("999999")
    assert err.value.status == 404
    assert json.loads(err.value.body)["category"] == "OBJECT_NOT_FOUND"


def test_batch_read_by_id_returns_requested_properties(client):
    result = _read(client, ["1", "2", "3"], ["email", "lifecyclestage"])
    assert result.status == "COMPLETE"
    assert sorted(c.id for c in result.results) == ["1", "2", "3"]
    assert set(result.results[0].properties) == {"email", "lifecyclestage"}


def test_batch_read_with_missing_ids_is_207_naming_them(client):
    result = _read(client, ["1", "424242"], ["email"])
    assert [c.id for c in result.results] == ["1"]
    assert result.num_errors == 1
    assert result.errors[0].category == "OBJECT_NOT_FOUND"
    assert result.errors[0].context == {"ids": ["424242"]}


def test_batch_read_by_email_ignores_case(client, shared):
    email = shared.contact(4, ["email"])["email"]
    result = _read(client, [email.upper()], ["email"], id_property="email")
    assert [c.id for c in result.results] == ["4"]


def test_batch_read_over_100_inputs_is_refused(client):
    with pytest.raises(ApiException) as err:
        _read(client, [str(i) for i in range(1, 102)], ["email"])
    assert err.value.status == 400


def test_batch_read_with_history_takes_at_most_50_inputs(client):
    with pytest.raises(ApiException) as err:
        _read(client, [str(i) for i in range(1, 52)], ["email"], properties_with_history=["lifecyclestage"])
    assert err.value.status == 400
    assert "property histories is 50" in json.loads(err.value.body)["message"]


def test_batch_update_applies_values_and_moves_the_modified_date(wclient, sandbox):
    before = _read(wclient, ["3"], ["jobtitle", "lastmodifieddate"]).results[0]
    result = _update(wclient, [{"id": "3", "properties": {"jobtitle": "VP Sales"}}])
    assert result.status == "COMPLETE"
    after = _read(wclient, ["3"], ["jobtitle", "lastmodifieddate"]).results[0]
    assert after.properties["jobtitle"] == "VP Sales"
    assert isoparse(after.properties["lastmodifieddate"]) > isoparse(before.properties["lastmodifieddate"])
    assert after.updated_at > before.updated_at


def test_batch_update_is_recorded_in_write_history(wclient, sandbox):
    _update(wclient, [{"id": "3", "properties": {"jobtitle": "CTO"}}])
    _update(wclient, [{"id": "3", "properties": {"jobtitle": "CTO"}}])
    assert [props for _, props in sandbox.write_history(3)] == [{"jobtitle": "CTO"}, {"jobtitle": "CTO"}]
    assert sandbox.write_history(4) == []


def test_batch_update_with_an_unknown_property_refuses_the_whole_batch(wclient, sandbox):
    with pytest.raises(ApiException) as err:
        _update(wclient, [{"id": "1", "properties": {"jobtitle": "CEO"}},
                          {"id": "2", "properties": {"leadscore_fit": "10"}}])
    body = json.loads(err.value.body)
    assert err.value.status == 400
    assert body["category"] == "VALIDATION_ERROR"
    assert "PROPERTY_DOESNT_EXIST" in body["message"]
    assert body["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"
    assert sandbox.contact(1, ["jobtitle"])["jobtitle"] != "CEO"


def test_batch_update_with_missing_ids_is_207_and_applies_the_rest(wclient, sandbox):
    result = _update(wclient, [{"id": "1", "properties": {"jobtitle": "CEO"}},
                               {"id": "777777", "properties": {"jobtitle": "CEO"}}])
    assert [c.id for c in result.results] == ["1"]
    assert result.num_errors == 1
    assert result.errors[0].context == {"ids": ["777777"]}
    assert sandbox.contact(1, ["jobtitle"])["jobtitle"] == "CEO"


def test_batch_update_over_100_inputs_is_refused(wclient):
    with pytest.raises(ApiException) as err:
        _update(wclient, [{"id": str(i), "properties": {"jobtitle": "x"}} for i in range(1, 102)])
    assert err.value.status == 400


def test_batch_update_with_duplicate_ids_is_refused(wclient):
    with pytest.raises(ApiException) as err:
        _update(wclient, [{"id": "1", "properties": {"jobtitle": "a"}}, {"id": "1", "properties": {"jobtitle": "b"}}])
    assert err.value.status == 400


def test_an_invalid_enumeration_option_is_refused(wclient):
    with pytest.raises(ApiException) as err:
        _update(wclient, [{"id": "1", "properties": {"lifecyclestage": "superfan"}}])
    assert "INVALID_OPTION" in json.loads(err.value.body)["message"]


def test_a_backwards_lifecycle_stage_is_silently_ignored(wclient, sandbox):
    sandbox.set_contact(2, {"lifecyclestage": "customer"})
    result = _update(wclient, [{"id": "2", "properties": {"lifecyclestage": "lead"}}])
    assert result.status == "COMPLETE"
    assert result.results[0].properties["lifecyclestage"] == "customer"
    assert sandbox.contact(2, ["lifecyclestage"])["lifecyclestage"] == "customer"


def test_entering_a_stage_stamps_its_date(wclient, sandbox):
    sandbox.set_contact(2, {"lifecyclestage": "lead"})
    _update(wclient, [{"id": "2", "properties": {"lifecyclestage": "marketingqualifiedlead"}}])
    stamped = sandbox.contact(2, ["hs_lifecyclestage_marketingqualifiedlead_date", "lastmodifieddate"])
    assert stamped["hs_lifecyclestage_marketingqualifiedlead_date"] == stamped["lastmodifieddate"]


def test_clearing_the_stage_then_setting_it_moves_it_back(wclient, sandbox):
    sandbox.set_contact(2, {"lifecyclestage": "customer"})
    _update(wclient, [{"id": "2", "properties": {"lifecyclestage": ""}}])
    _update(wclient, [{"id": "2", "properties": {"lifecyclestage": "lead"}}])
    assert sandbox.contact(2, ["lifecyclestage"])["lifecyclestage"] == "lead"


def test_history_lists_values_newest_first(wclient, sandbox):
    _update(wclient, [{"id": "5", "properties": {"jobtitle": "First"}}])
    _update(wclient, [{"id": "5", "properties": {"jobtitle": "Second"}}])
    result = _read(wclient, ["5"], ["jobtitle"], properties_with_history=["jobtitle"])
    values = [v.value for v in result.results[0].properties_with_history["jobtitle"]]
    assert values[:2] == ["Second", "First"]
    assert result.results[0].properties_with_history["jobtitle"][0].source_type == "INTEGRATION"


def test_a_person_editing_the_record_is_not_an_api_write(wclient, sandbox):
    sandbox.set_contact(6, {"jobtitle": "Head of Sales"})
    assert sandbox.write_history(6) == []
    assert _read(wclient, ["6"], ["jobtitle"]).results[0].properties["jobtitle"] == "Head of Sales"
