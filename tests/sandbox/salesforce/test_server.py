"""Contract tests: the Salesforce sandbox driven through the real simple-salesforce over HTTPS."""

from datetime import UTC, datetime

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from connector.sandbox.salesforce import SalesforceSandbox

CLOCK = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sandbox():
    with SalesforceSandbox.start(people=0, clock=lambda: CLOCK) as sb:
        for n in range(450):
            lead = sb.add_lead(Email=f"p{n}@acme.com", Title="VP Sales" if n % 2 else "Engineer",
                               NumberOfEmployees=50 + n)
            if n < 3:
                sb.add_task(lead, "Email", f"Email: hello {n}")
        yield sb


@pytest.fixture
def sf(sandbox) -> Salesforce:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(sandbox.ca_bundle)
    return Salesforce(session_id=sandbox.new_token(), instance_url=sandbox.url, version="65.0", session=session)


def test_query_pages_through_next_records_url_in_batches(sf):
    first = sf.query("SELECT Id, Email FROM Lead ORDER BY Id", headers={"Sforce-Query-Options": "batchSize=200"})
    assert (first["totalSize"], first["done"], len(first["records"])) == (450, False, 200)
    assert first["nextRecordsUrl"].startswith("/services/data/v65.0/query/01g")
    assert first["records"][0]["attributes"] == {
        "type": "Lead", "url": f"/services/data/v65.0/sobjects/Lead/{first['records'][0]['Id']}"}
    assert len(sf.query_all("SELECT Id FROM Lead")["records"]) == 450


def test_query_filters_with_in_comparisons_and_datetime_literals(sf, sandbox):
    ids = sandbox.ids("Lead")[:3]
    soql = (f"SELECT Id, NumberOfEmployees FROM Lead WHERE Id IN ('{ids[0]}','{ids[1]}','{ids[2]}') "
            "AND NumberOfEmployees >= 51 AND SystemModstamp >= 2026-11-20T00:00:00Z ORDER BY Id")
    rows = sf.query(soql)["records"]
    assert [(r["Id"], r["NumberOfEmployees"]) for r in rows] == [(ids[1], 51), (ids[2], 52)]


def test_datetimes_come_back_as_salesforce_writes_them(sf):
    row = sf.query("SELECT SystemModstamp, IsConverted FROM Lead LIMIT 1")["records"][0]
    assert (row["SystemModstamp"], row["IsConverted"]) == ("2026-11-20T12:00:00.000+0000", False)


def test_unknown_column_is_invalid_field(sf):
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query("SELECT Id, Nope__c FROM Lead")
    assert err.value.content[0]["errorCode"] == "INVALID_FIELD"
    assert "No such column 'Nope__c' on entity 'Lead'" in err.value.content[0]["message"]


def test_query_all_includes_deleted_activity(sf, sandbox):
    lead = sandbox.ids("Lead")[5]
    task = sandbox.add_task(lead, "Call", "Call: Busy")
    sandbox.store.delete("Task", task)
    assert sf.query(f"SELECT Id FROM Task WHERE WhoId = '{lead}'")["totalSize"] == 0
    assert sf.query_all(f"SELECT Id, WhoId FROM Task WHERE WhoId = '{lead}'", include_deleted=True)["totalSize"] == 1


def test_every_answer_carries_the_api_usage(sf, sandbox):
    sf.restful("limits")
    assert sf.api_usage["api-usage"].total == 100_000
    assert sf.api_usage["api-usage"].used == sandbox.org.used


def test_collections_apply_good_records_and_report_bad_ones(sf, sandbox):
    good = sandbox.ids("Lead")[10]
    body = {"allOrNone": False, "records": [
        {"attributes": {"type": "Lead"}, "id": good, "Leadscore_Fit__c": 55},
        {"attributes": {"type": "Lead"}, "id": "00Q5e0000099999EAA", "Leadscore_Fit__c": 10}]}
    results = sf.restful("composite/sobjects", method="PATCH", json=body)
    assert results[0] == {"id": good, "success": True, "errors": []}
    assert results[1]["success"] is False and results[1]["errors"][0]["statusCode"] == "INVALID_CROSS_REFERENCE_KEY"
    assert sandbox.write_history(good)[-1][1] == {"Leadscore_Fit__c": 55}
    assert sandbox.record(good)["LastModifiedById"] == sandbox.store.user_id


def test_collections_refuse_an_unknown_field_and_more_than_200_records(sf, sandbox):
    lead = sandbox.ids("Lead")[11]
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": False, "records": [
            {"attributes": {"type": "Lead"}, "id": lead, "Fit__c": 1}]})
    assert err.value.content[0]["errorCode"] == "INVALID_FIELD"
    records = [{"attributes": {"type": "Lead"}, "id": lead, "Leadscore_Fit__c": 1}] * 201
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": False, "records": records})
    assert err.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_a_field_without_edit_access_fails_per_record(sf, sandbox):
    lead = sandbox.ids("Lead")[12]
    sandbox.set_updateable("Lead", "Leadscore_Grade__c", False)
    try:
        [result] = sf.restful("composite/sobjects", method="PATCH", json={"allOrNone": False, "records": [
            {"attributes": {"type": "Lead"}, "id": lead, "Leadscore_Grade__c": "A1"}]})
    finally:
        sandbox.set_updateable("Lead", "Leadscore_Grade__c", True)
    assert result["errors"][0]["statusCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert result["errors"][0]["fields"] == ["Leadscore_Grade__c"]


def test_describe_lists_fields_with_type_and_updateable(sf):
    fields = {f["name"]: f for f in sf.restful("sobjects/Lead/describe")["fields"]}
    assert (fields["Leadscore_Fit__c"]["type"], fields["Leadscore_Fit__c"]["updateable"]) == ("double", True)
    assert fields["SystemModstamp"]["updateable"] is False
    assert [v["value"] for v in fields["Rating"]["picklistValues"]] == ["Hot", "Warm", "Cold"]


def test_bulk_ingest_job_runs_and_reports_failed_rows(sf, sandbox):
    good, bad = sandbox.ids("Lead")[20], "00Q5e0000088888EAA"
    job = sf.restful("jobs/ingest", method="POST", json={"object": "Lead", "operation": "update",
                                                         "contentType": "CSV", "lineEnding": "LF"})
    csv_body = f"Id,Leadscore_Fit__c\n{good},61\n{bad},3\n"
    upload = sf.session.put(f"{sf.base_url}jobs/ingest/{job['id']}/batches", data=csv_body.encode(),
                            headers={**sf.headers, "Content-Type": "text/csv"})
    assert upload.status_code == 201
    sf.restful(f"jobs/ingest/{job['id']}", method="PATCH", json={"state": "UploadComplete"})
    info = sf.restful(f"jobs/ingest/{job['id']}")
    assert (info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]) == ("JobComplete", 2, 1)
    failed = sf.session.get(f"{sf.base_url}jobs/ingest/{job['id']}/failedResults", headers=sf.headers).text
    assert failed.splitlines() == ['"sf__Id","sf__Error","Id","Leadscore_Fit__c"',
                                   f'"{bad}","INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:--","{bad}","3"']
    assert sandbox.record(good)["Leadscore_Fit__c"] == 61.0


def test_tooling_api_creates_a_custom_field(sf, sandbox):
    sf.restful("tooling/sobjects/CustomField", method="POST", json={
        "FullName": "Contact.Leadscore_Extra__c", "Metadata": {"type": "Text", "length": 20, "label": "Extra"}})
    fields = {f["name"]: f for f in sf.restful("sobjects/Contact/describe")["fields"]}
    assert (fields["Leadscore_Extra__c"]["type"], fields["Leadscore_Extra__c"]["length"]) == ("string", 20)


def test_an_unknown_session_gets_the_invalid_session_body(sandbox):
    session = requests.Session()
    session.trust_env = False
    session.verify = str(sandbox.ca_bundle)
    stale = Salesforce(session_id="00D!expired", instance_url=sandbox.url, session=session)
    with pytest.raises(SalesforceExpiredSession) as err:
        stale.query("SELECT Id FROM Lead")
    assert err.value.content == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID",
                                  "fields": []}]


def test_client_credentials_give_a_session_with_the_users_identity(sandbox):
    answer = requests.post(sandbox.url + "/services/oauth2/token", verify=str(sandbox.ca_bundle), data={
        "grant_type": "client_credentials", "client_id": sandbox.org.client_id,
        "client_secret": sandbox.org.client_secret}).json()
    assert answer["instance_url"] == sandbox.url
    assert answer["id"].endswith("/" + sandbox.store.user_id)
    assert answer["access_token"] in sandbox.org.tokens


def test_over_the_daily_allocation_every_call_is_refused(sf, sandbox):
    used, limit = sandbox.org.used, sandbox.org.daily_limit
    sandbox.set_usage(limit)
    try:
        with pytest.raises(SalesforceRefusedRequest) as err:
            sf.restful("limits")
    finally:
        sandbox.set_usage(used, limit)
    assert err.value.content == [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED",
                                  "fields": []}]


def test_the_certificate_is_only_trusted_through_the_ca_bundle(sandbox):
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(sandbox.url + "/services/data/", verify=True)
