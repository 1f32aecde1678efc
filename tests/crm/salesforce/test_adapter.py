import json
from urllib.parse import quote_plus

import pytest
import responses

from connector.crm.base import ScoreUpdate
from connector.crm.salesforce.reader import Checkpoint
from connector.errors import UserError
from tests.crm.salesforce.conftest import BASE, Org, error_body, lead, query_result, sf_headers

L1, L2, L3 = "00Q000000000001AAA", "00Q000000000002AAA", "00Q000000000003AAA"


def task(who: str, subtype: str, subject: str = "Email: Intro", **fields: object) -> dict:
    row = {"attributes": {"type": "Task", "url": "/services/data/v65.0/sobjects/Task/00T1"},
           "Id": "00T000000000001AAA", "WhoId": who, "TaskSubtype": subtype, "Subject": subject,
           "Status": "Completed", "CallDisposition": None, "ActivityDate": "2026-11-18",
           "CreatedDate": "2026-11-18T09:30:00.000+0000"}
    row.update(fields)
    return row


def member(lead_id: str, status: str) -> dict:
    return {"attributes": {"type": "CampaignMember", "url": "/services/data/v65.0/sobjects/CampaignMember/00v1"},
            "Id": "00v000000000001AAA", "LeadId": lead_id, "ContactId": None, "Status": status,
            "HasResponded": True, "FirstRespondedDate": "2026-11-17", "CreatedDate": "2026-11-10T08:00:00.000+0000",
            "Campaign": {"attributes": {"type": "Campaign", "url": "/services/data/v65.0/sobjects/Campaign/7011"},
                         "Name": "Pricing webinar"}}


def meeting(who: str) -> dict:
    return {"attributes": {"type": "Event", "url": "/services/data/v65.0/sobjects/Event/00U1"},
            "Id": "00U000000000001AAA", "WhoId": who, "EventSubtype": "Event", "Subject": "Demo",
            "StartDateTime": "2026-11-19T15:00:00.000+0000", "CreatedDate": "2026-11-12T10:00:00.000+0000"}


def test_full_read_pages_through_next_records_url(rsps, adapter):
    org = Org(rsps)
    org.answer("Lead", query_result([lead(L1), lead(L2)], "/services/data/v65.0/query/01gLEADS-2000"))
    rsps.add(responses.GET, BASE + "/query/01gLEADS-2000", json=query_result([lead(L3)]), headers=sf_headers())
    pages = list(adapter.iter_pages(None, full=True))
    assert [[r.lead.id for r in p.records] for p in pages] == [[L1, L2], [L3], []]
    assert pages[-1].checkpoint == Checkpoint("2026-11-20T11:59:59.000+0000").dump()
    assert json.loads(pages[0].checkpoint) == {"after": L2, "mode": "full", "phase": "Lead",
                                               "start": "2026-11-20T11:59:59.000+0000"}


def test_a_restarted_full_read_resumes_after_the_last_id_and_keeps_the_first_start(rsps, adapter):
    org = Org(rsps)
    org.answer("Lead", query_result([lead(L3)]))
    position = Checkpoint("2026-11-01T00:00:00.000+0000", "Lead", L2, "full", "2026-11-19T08:00:00.000+0000")
    pages = list(adapter.iter_pages(position.dump(), full=False))
    assert f"AND Id > '{L2}' ORDER BY Id" in org.queries[0]
    assert pages[-1].checkpoint == Checkpoint("2026-11-19T08:00:00.000+0000").dump()


def test_a_full_read_takes_the_pages_activity_by_id_range_in_three_queries(rsps, adapter):
    org = Org(rsps)
    converted = "00Q000000000002BBB"  # in the range, but not in the page: a converted Lead
    org.answer("Lead", query_result([lead(L1), lead(L2), lead(L3)]))
    org.answer("Task", query_result([task(L1, "Email"), task(L1, "Call", "Call", CallDisposition="Connected"),
                                     task(L2, "Email", "RE: pricing"), task(converted, "Email")]))
    org.answer("Event", query_result([meeting(L3)]))
    org.answer("CampaignMember", query_result([member(L2, "Attended")]))
    page = next(adapter.iter_pages(None, full=True))
    assert " FROM Lead WHERE IsConverted = false ORDER BY Id" in org.queries[0]
    activity_queries = [q for q in org.queries if " FROM Lead " not in q]
    assert len(activity_queries) == 3
    assert all(f">= '{L1}' AND " in q and f"<= '{L3}'" in q for q in activity_queries)
    events = {r.lead.id: sorted(e.type for e in r.lead.events) for r in page.records}
    assert events == {
        L1: ["call_connected", "email_delivered"],
        L2: ["email_reply", "webinar_attended"],
        L3: ["meeting_booked", "meeting_held"],
    }


def test_lead_fields_map_to_the_models_property_names(rsps, adapter):
    Org(rsps).answer("Lead", query_result([lead(L1, Leadscore_Fit__c=40.0, Leadscore_Stage__c="lead")]))
    record = next(adapter.iter_pages(None, full=True)).records[0]
    props = record.lead.properties
    assert (props["jobtitle"], props["numemployees"], props["annualrevenue"]) == ("VP Sales", "250", "12500000")
    assert record.written["fit"] == "40"
    assert record.lead.stage == "lead"


def test_changed_leads_take_their_activity_by_id_lists_split_under_the_uri_limit(rsps, adapter):
    org = Org(rsps)
    rsps.add(responses.GET, "https://acme.my.salesforce.com/services/oauth2/userinfo",
             json={"user_id": "005000000000009AAA"}, headers=sf_headers())
    ids = [f"00Q{n:012d}AAA" for n in range(2000)]
    org.answer("Lead", query_result([lead(i) for i in ids]))
    next(adapter.iter_pages(Checkpoint("2026-11-19T12:00:00.000+0000").dump(), full=False))
    task_urls = [u for u, q in zip(org.urls, org.queries) if " FROM Task " in q]
    assert 3 <= len(task_urls) <= 6
    assert all(len(u) < 16_384 - 2_048 for u in task_urls)
    assert sum(q.count("'00Q") for q in org.queries if " FROM Task " in q) == 2000


def test_incremental_read_starts_at_the_checkpoint_less_the_overlap(rsps, adapter):
    org = Org(rsps)
    rsps.add(responses.GET, "https://acme.my.salesforce.com/services/oauth2/userinfo",
             json={"user_id": "005000000000009AAA"}, headers=sf_headers())
    list(adapter.iter_pages(Checkpoint("2026-11-19T12:00:00.000+0000").dump(), full=False))
    lead_query = next(q for q in org.queries if " FROM Lead " in q)
    assert "SystemModstamp >= 2026-11-19T11:55:00Z" in lead_query
    assert "LastModifiedById != '005000000000009AAA'" in lead_query
    changed = [q for q in org.queries if "SystemModstamp >= 2026-11-19T11:55:00Z" in q]
    assert {q.split(" FROM ")[1].split()[0] for q in changed} == {"Lead", "Task", "Event", "CampaignMember"}


def test_leads_with_new_activity_are_read_after_the_changed_ones(rsps, adapter):
    org = Org(rsps)
    rsps.add(responses.GET, "https://acme.my.salesforce.com/services/oauth2/userinfo", status=403)
    org.answer("Lead", query_result([lead(L1)]))
    org.answer("Task", query_result([{"attributes": {"type": "Task"}, "WhoId": L2},
                                     {"attributes": {"type": "Task"}, "WhoId": L1},
                                     {"attributes": {"type": "Task"}, "WhoId": "003000000000001AAA"}]))
    pages = list(adapter.iter_pages(Checkpoint("2026-11-19T12:00:00.000+0000").dump(), full=False))
    assert any(f"Id IN ('{L2}')" in q for q in org.queries)
    assert json.loads(pages[1].checkpoint)["phase"] == "activity"


def test_collections_report_a_partial_failure_per_record(rsps, adapter):
    rsps.add(responses.PATCH, BASE + "/composite/sobjects", headers=sf_headers(), json=[
        {"id": L1, "success": True, "errors": []},
        {"success": False, "errors": [{"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}]},
    ])
    results = adapter.write_batch([ScoreUpdate(L1, {"fit": "40"}), ScoreUpdate(L2, {"fit": "35"})])
    assert [(r.lead_id, r.ok) for r in results] == [(L1, True), (L2, False)]
    assert results[1].error == "ENTITY_IS_DELETED: entity is deleted"


def test_a_locked_row_is_tried_once_more_at_once(rsps, adapter):
    locked = {"success": False, "errors": [{"statusCode": "UNABLE_TO_LOCK_ROW",
                                            "message": "unable to obtain exclusive access to this record", "fields": []}]}
    rsps.add(responses.PATCH, BASE + "/composite/sobjects", headers=sf_headers(),
             json=[{"id": L1, "success": True, "errors": []}, locked])
    rsps.add(responses.PATCH, BASE + "/composite/sobjects", headers=sf_headers(),
             json=[{"id": L2, "success": True, "errors": []}])
    results = adapter.write_batch([ScoreUpdate(L1, {"fit": "40"}), ScoreUpdate(L2, {"fit": "35"})])
    assert all(r.ok for r in results)
    assert [r["id"] for r in json.loads(rsps.calls[1].request.body)["records"]] == [L2]


def test_field_level_security_error_names_the_field_and_the_fix(rsps, adapter):
    rsps.add(responses.PATCH, BASE + "/composite/sobjects", headers=sf_headers(), json=[{"success": False, "errors": [{
        "statusCode": "INVALID_FIELD_FOR_INSERT_UPDATE",
        "message": "Unable to create/update fields: Leadscore_Fit__c. Please check the security settings of this field.",
        "fields": ["Leadscore_Fit__c"]}]}])
    result = adapter.write_batch([ScoreUpdate(L1, {"fit": "40"})])[0]
    assert not result.ok
    assert "fields: Leadscore_Fit__c" in result.error and "permission set Edit" in result.error


def test_unknown_field_refuses_the_whole_write_with_a_clear_error(rsps, adapter):
    rsps.add(responses.PATCH, BASE + "/composite/sobjects", status=400, headers=sf_headers(), json=error_body(
        "INVALID_FIELD", "No such column 'Leadscore_Fit__c' on sobject of type Lead"))
    with pytest.raises(UserError, match="No such column 'Leadscore_Fit__c'.*leadscore setup salesforce"):
        adapter.write_batch([ScoreUpdate(L1, {"fit": "40"})])


def test_writes_map_values_types_and_the_rating(rsps, adapter):
    adapter.config = adapter.reader.config = type(adapter.config)(**{**vars(adapter.config), "rating_enabled": True})
    rsps.add(responses.PATCH, BASE + "/composite/sobjects", headers=sf_headers(),
             json=[{"id": L1, "success": True, "errors": []}])
    adapter.write_batch([ScoreUpdate(L1, {"fit": "72", "label": "hot", "scored_at": "2026-11-20T12:00:00+00:00",
                                          "stage": "marketingqualifiedlead"})])
    record = json.loads(rsps.calls[0].request.body)["records"][0]
    assert record == {"attributes": {"type": "Lead"}, "id": L1, "Leadscore_Fit__c": 72, "Leadscore_Label__c": "hot",
                      "Rating": "Hot", "Leadscore_Scored_At__c": "2026-11-20T12:00:00.000+0000",
                      "Leadscore_Stage__c": "marketingqualifiedlead"}


def bulk_updates(n: int) -> list[ScoreUpdate]:
    return [ScoreUpdate(f"00Q{i:012d}AAA", {"fit": str(i % 100), "reasons": "+20 senior title: VP, Sales\n+5 web"})
            for i in range(n)]


def add_bulk_job(rsps, final: dict, failed_csv: str | None = None) -> None:
    job = {"id": "7505e00000BULK1AAA", "operation": "update", "object": "Lead", "state": "Open",
           "contentType": "CSV", "lineEnding": "LF", "apiVersion": 65.0}
    rsps.add(responses.POST, BASE + "/jobs/ingest", json=job, headers=sf_headers())
    rsps.add(responses.PUT, BASE + "/jobs/ingest/7505e00000BULK1AAA/batches", status=201, body="", headers=sf_headers())
    rsps.add(responses.PATCH, BASE + "/jobs/ingest/7505e00000BULK1AAA", json={**job, "state": "UploadComplete"},
             headers=sf_headers())
    rsps.add(responses.GET, BASE + "/jobs/ingest/7505e00000BULK1AAA", json={**job, "state": "InProgress"},
             headers=sf_headers())
    rsps.add(responses.GET, BASE + "/jobs/ingest/7505e00000BULK1AAA", json={**job, **final}, headers=sf_headers())
    if failed_csv is not None:
        rsps.add(responses.GET, BASE + "/jobs/ingest/7505e00000BULK1AAA/failedResults", body=failed_csv,
                 content_type="text/csv", headers=sf_headers())


def test_large_writes_go_through_one_bulk_job_and_read_its_failed_results(rsps, adapter):
    failed = ('"sf__Id","sf__Error","Id","Leadscore_Fit__c"\n'
              '"00Q000000000007AAA","ENTITY_IS_DELETED:entity is deleted:--","00Q000000000007AAA","7"\n')
    add_bulk_job(rsps, {"state": "JobComplete", "numberRecordsProcessed": 2500, "numberRecordsFailed": 1}, failed)
    results = adapter.write_batch(bulk_updates(2500))
    assert sum(not r.ok for r in results) == 1
    assert results[7].error == "ENTITY_IS_DELETED:entity is deleted:--"
    upload = rsps.calls[1].request
    assert upload.headers["Content-Type"] == "text/csv"
    lines = upload.body.decode().split("\n")
    assert lines[0] == "Id,Leadscore_Fit__c,Leadscore_Reasons__c"
    assert lines[1] == '00Q000000000000AAA,0,"+20 senior title: VP, Sales'
    assert json.loads(rsps.calls[2].request.body) == {"state": "UploadComplete"}
    assert json.loads(rsps.calls[0].request.body) == {"object": "Lead", "operation": "update",
                                                      "contentType": "CSV", "lineEnding": "LF"}


def test_a_failed_bulk_job_fails_every_record_with_its_reason(rsps, adapter):
    add_bulk_job(rsps, {"state": "Failed", "errorMessage": "InvalidBatch : Field name not found : Leadscore_Fit__c"})
    results = adapter.write_batch(bulk_updates(2001))
    assert not any(r.ok for r in results)
    assert "Field name not found" in results[0].error
