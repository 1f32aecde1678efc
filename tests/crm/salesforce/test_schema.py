import json

import pytest
import responses

from connector.crm.salesforce.schema import FieldCheck, field_specs
from connector.errors import UserError
from tests.crm.salesforce.conftest import BASE, sf_headers

STANDARD = {"Id": "id", "Email": "email", "FirstName": "string", "LastName": "string", "Title": "string",
            "Company": "string", "Industry": "picklist", "NumberOfEmployees": "int", "AnnualRevenue": "currency",
            "Country": "string", "LeadSource": "picklist", "Status": "picklist", "Rating": "picklist",
            "SystemModstamp": "datetime", "LastModifiedById": "reference"}


def describe(fields: dict[str, str], readonly: set[str] = frozenset()) -> dict:
    return {"name": "Lead", "custom": False, "updateable": True, "fields": [
        {"name": name, "type": kind, "updateable": name not in readonly and kind != "id", "custom": name.endswith("__c"),
         "label": name, "length": 255 if kind == "string" else 0, "picklistValues": [], "referenceTo": [],
         "relationshipName": None, "nillable": True}
        for name, kind in fields.items()]}


def ours(config, skip: str = "") -> dict[str, str]:
    kinds = {"Number": "double", "Text": "string", "LongTextArea": "textarea", "DateTime": "datetime"}
    return {s.name: kinds[s.metadata["type"]] for s in field_specs(config) if s.name != skip}


def test_ready_fields_pass(rsps, client, config):
    rsps.add(responses.GET, BASE + "/sobjects/Lead/describe", json=describe({**STANDARD, **ours(config)}),
             headers=sf_headers())
    FieldCheck(client, config, ["Lead"]).require()


def test_a_missing_field_is_named_with_the_fix(rsps, client, config):
    rsps.add(responses.GET, BASE + "/sobjects/Lead/describe",
             json=describe({**STANDARD, **ours(config, skip="Leadscore_Grade__c")}), headers=sf_headers())
    with pytest.raises(UserError) as err:
        FieldCheck(client, config, ["Lead"]).require()
    assert "Lead.Leadscore_Grade__c does not exist" in str(err.value)
    assert "leadscore setup salesforce --create" in str(err.value)


def test_a_field_without_edit_access_is_a_field_level_security_error(rsps, client, config):
    rsps.add(responses.GET, BASE + "/sobjects/Lead/describe",
             json=describe({**STANDARD, **ours(config)}, readonly={"Leadscore_Fit__c"}), headers=sf_headers())
    with pytest.raises(UserError, match="Lead.Leadscore_Fit__c is not updateable.*field-level security.*tick Edit"):
        FieldCheck(client, config, ["Lead"]).require()


def test_a_wrong_typed_field_is_never_changed(rsps, client, config):
    rsps.add(responses.GET, BASE + "/sobjects/Lead/describe",
             json=describe({**STANDARD, **ours(config), "Leadscore_Fit__c": "string"}), headers=sf_headers())
    with pytest.raises(UserError, match="Lead.Leadscore_Fit__c exists as type string"):
        FieldCheck(client, config, ["Lead"]).require()


def test_an_unknown_mapped_field_names_the_mapping_setting(rsps, client, config):
    fields = {**STANDARD, **ours(config)}
    del fields["Title"]
    rsps.add(responses.GET, BASE + "/sobjects/Lead/describe", json=describe(fields), headers=sf_headers())
    with pytest.raises(UserError, match="Lead.Title .*'jobtitle'.*LEADSCORE_SALESFORCE_LEAD_FIELDS"):
        FieldCheck(client, config, ["Lead"]).require()


def test_create_missing_posts_each_missing_field_to_the_tooling_api(rsps, client, config):
    rsps.add(responses.GET, BASE + "/sobjects/Lead/describe",
             json=describe({**STANDARD, **ours(config, skip="Leadscore_Reasons__c")}), headers=sf_headers())
    rsps.add(responses.POST, BASE + "/tooling/sobjects/CustomField", status=201,
             json={"id": "00N5e00000ABCDEAAA", "success": True, "errors": []}, headers=sf_headers())
    assert FieldCheck(client, config, ["Lead"]).create_missing() == ["Lead.Leadscore_Reasons__c"]
    body = json.loads(rsps.calls[1].request.body)
    assert body == {"FullName": "Lead.Leadscore_Reasons__c", "Metadata": {
        "label": "Leadscore Reasons", "type": "LongTextArea", "length": 32768, "visibleLines": 10}}
