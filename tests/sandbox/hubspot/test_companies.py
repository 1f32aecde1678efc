"""Companies through the real client: the records seeded for the contacts' employers, their
properties as a portal types them, batch read and update, search on the modification date, and
the contact↔company associations both ways."""

from __future__ import annotations

import pytest
from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest
from hubspot.crm.companies import (
    ApiException,
    BatchInputSimplePublicObjectBatchInput,
    BatchReadInputSimplePublicObjectId,
    PublicObjectSearchRequest,
)

from tests.sandbox.hubspot.conftest import client_for


def _company_ids(shared, contacts=range(1, 301)):
    return sorted({i for cid in contacts for i in shared.store.associated("contacts", "companies", cid)})


def _assoc(client, from_type, to_type, ids):
    inputs = [{"id": str(i)} for i in ids]
    return client.crm.associations.v4.batch_api.get_page(
        from_type, to_type, BatchInputPublicFetchAssociationsBatchRequest(inputs=inputs))


def test_contacts_are_associated_with_their_company(client, shared):
    answer = _assoc(client, "contacts", "companies", [1, 2, 3])
    for result in answer.results:
        assert len(result.to) == 1
        assert result.to[0].association_types[0].type_id == 279


def test_a_company_lists_every_contact_it_employs(client, shared):
    company = _company_ids(shared)[0]
    answer = _assoc(client, "companies", "contacts", [company])
    contacts = {int(t.to_object_id) for t in answer.results[0].to}
    assert len(contacts) >= 2  # the generator gathers people at the early companies
    assert all(company in shared.store.associated("contacts", "companies", c) for c in contacts)
    assert answer.results[0].to[0].association_types[0].type_id == 280


def test_company_properties_are_typed_as_a_portal_types_them(client):
    props = {p.name: p for p in client.crm.properties.core_api.get_all("companies").results}
    assert props["numberofemployees"].type == "number"
    assert props["annualrevenue"].type == "number"
    assert props["industry"].type == "enumeration"
    assert "COMPUTER_SOFTWARE" in {o.value for o in props["industry"].options}
    assert props["hs_lastmodifieddate"].type == "datetime"


def test_batch_read_returns_the_asked_properties(client, shared):
    ids = _company_ids(shared)[:3]
    answer = client.crm.companies.batch_api.read(BatchReadInputSimplePublicObjectId(
        inputs=[{"id": str(i)} for i in ids], properties=["name", "numberofemployees", "industry"]))
    assert sorted(int(r.id) for r in answer.results) == ids
    assert all(r.properties["name"] for r in answer.results)


def test_batch_update_writes_a_created_property(sandbox):
    client = client_for(sandbox)
    client.crm.properties.core_api.create("companies", {
        "name": "leadscore_fit", "label": "Fit", "type": "number", "fieldType": "number",
        "groupName": "companyinformation"})
    company = _company_ids(sandbox, range(1, 61))[0]
    client.crm.companies.batch_api.update(BatchInputSimplePublicObjectBatchInput(
        inputs=[{"id": str(company), "properties": {"leadscore_fit": "42"}}]))
    answer = client.crm.companies.batch_api.read(BatchReadInputSimplePublicObjectId(
        inputs=[{"id": str(company)}], properties=["leadscore_fit"]))
    assert answer.results[0].properties["leadscore_fit"] == "42"


def test_search_filters_companies_on_their_modification_date(client, shared):
    answer = client.crm.companies.search_api.do_search(PublicObjectSearchRequest(
        filter_groups=[{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": "0"}]}],
        sorts=[{"propertyName": "hs_object_id", "direction": "ASCENDING"}], properties=["name"], limit=200))
    assert answer.total == len(_company_ids(shared, range(1, 301)))


def test_a_token_without_the_companies_scope_is_refused(shared):
    shared.add_token("pat-sandbox-contacts-only", scopes=["crm.objects.contacts.read"])
    client = client_for(shared, "pat-sandbox-contacts-only")
    with pytest.raises(ApiException) as err:
        client.crm.companies.basic_api.get_page(limit=1)
    assert err.value.status == 403


def test_a_company_counts_its_associated_contacts(client, shared):
    ids = _company_ids(shared)[:5]
    answer = client.crm.companies.batch_api.read(BatchReadInputSimplePublicObjectId(
        inputs=[{"id": str(i)} for i in ids], properties=["num_associated_contacts"]))
    links = _assoc(client, "companies", "contacts", ids)
    expected = {r._from.id: str(len(r.to)) for r in links.results}
    assert {r.id: r.properties["num_associated_contacts"] for r in answer.results} == expected
    props = {p.name: p for p in client.crm.properties.core_api.get_all("companies").results}
    assert props["num_associated_contacts"].calculated
    assert props["num_associated_contacts"].modification_metadata.read_only_value


def test_the_associated_contacts_count_cannot_be_written(sandbox):
    client = client_for(sandbox)
    company = _company_ids(sandbox, range(1, 61))[0]
    with pytest.raises(ApiException) as err:
        client.crm.companies.batch_api.update(BatchInputSimplePublicObjectBatchInput(
            inputs=[{"id": str(company), "properties": {"num_associated_contacts": "7"}}]))
    assert err.value.status == 400
    assert "READ_ONLY_VALUE" in err.value.body
