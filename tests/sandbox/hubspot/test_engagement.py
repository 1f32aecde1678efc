"""Engagement history through the real client: engagement objects, v4 associations, the events API
and the marketing counters kept on the contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from dateutil.parser import isoparse
from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest
from hubspot.crm.contacts import BatchReadInputSimplePublicObjectId
from hubspot.crm.objects.emails import PublicObjectSearchRequest

from connector.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.hubspot.conftest import ANCHOR, client_for, http

ENGAGEMENT_TYPES = ("emails", "meetings", "calls", "notes")
COUNTERS = ["hs_analytics_num_page_views", "hs_analytics_num_visits", "hs_analytics_last_visit_timestamp",
            "num_conversion_events", "recent_conversion_event_name", "recent_conversion_date", "hs_email_open",
            "hs_email_click", "hs_email_last_open_date", "hs_email_last_click_date", "hs_email_optout",
            "notes_last_contacted", "num_contacted_notes", "hs_last_sales_activity_timestamp"]


def _assoc(client, to_type, ids, after=None, from_type="contacts"):
    inputs = [{"id": str(i), **({"after": after} if after else {})} for i in ids]
    return client.crm.associations.v4.batch_api.get_page(
        from_type, to_type, BatchInputPublicFetchAssociationsBatchRequest(inputs=inputs))


def _contacts_with(shared, to_type):
    return [cid for cid in range(1, 301) if shared.store.associated("contacts", to_type, cid)]


@pytest.mark.parametrize("kind", ENGAGEMENT_TYPES)
def test_each_engagement_type_lists_to_the_end(client, shared, kind):
    api = getattr(client.crm.objects, kind).basic_api
    seen, after = 0, None
    while True:
        page = api.get_page(limit=100, after=after, properties=["hs_timestamp"])
        seen += len(page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    associated = {i for c in range(1, 301) for i in shared.store.associated("contacts", kind, c)}
    assert seen == len(associated) > 0


def test_emails_carry_direction_and_status(client):
    page = client.crm.objects.emails.basic_api.get_page(limit=100, properties=["hs_email_direction", "hs_email_status"])
    directions = {e.properties["hs_email_direction"] for e in page.results}
    assert directions <= {"EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL"} and "EMAIL" in directions
    assert {e.properties["hs_email_status"] for e in page.results} <= {"SENT", "BOUNCED", "FAILED"}


def test_meetings_carry_outcome_and_calls_disposition(client):
    meetings = client.crm.objects.meetings.basic_api.get_page(limit=100, properties=["hs_meeting_outcome"]).results
    assert {m.properties["hs_meeting_outcome"] for m in meetings} <= {"SCHEDULED", "COMPLETED", "RESCHEDULED",
                                                                       "NO_SHOW", "CANCELED"}
    page = client.crm.objects.calls.basic_api.get_page(limit=20, properties=["hs_call_disposition", "hs_call_status"])
    assert all(len(c.properties["hs_call_disposition"]) == 36 for c in page.results)


def test_engagements_batch_read_by_id(client):
    first = client.crm.objects.notes.basic_api.get_page(limit=3).results
    ids = [n.id for n in first]
    got = client.crm.objects.notes.batch_api.read({"inputs": [{"id": i} for i in ids], "properties": ["hs_note_body"]})
    assert sorted(n.id for n in got.results) == sorted(ids)
    assert all(n.properties["hs_note_body"] for n in got.results)


def test_engagements_search_by_last_modified_date(client):
    since = ANCHOR - timedelta(days=10)
    body = PublicObjectSearchRequest(
        filter_groups=[{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GTE",
                                     "value": str(int(since.timestamp() * 1000))}]}],
        sorts=[{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}], properties=["hs_lastmodifieddate"],
        limit=200)
    result = client.crm.objects.emails.search_api.do_search(body)
    assert result.total > 0
    dates = [isoparse(e.properties["hs_lastmodifieddate"]) for e in result.results]
    assert dates == sorted(dates) and min(dates) >= since


@pytest.mark.parametrize("kind", ENGAGEMENT_TYPES)
def test_associations_list_a_contacts_engagements(client, shared, kind):
    cid = _contacts_with(shared, kind)[0]
    result = _assoc(client, kind, [cid])
    assert result.results[0]._from.id == str(cid)
    assert [int(t.to_object_id) for t in result.results[0].to] == shared.store.associated("contacts", kind, cid)
    assert result.results[0].to[0].association_types[0].category == "HUBSPOT_DEFINED"


def test_associations_from_an_engagement_back_to_its_contact(client, shared):
    cid = _contacts_with(shared, "meetings")[0]
    meeting = shared.store.associated("contacts", "meetings", cid)[0]
    result = _assoc(client, "contacts", [meeting], from_type="meetings")
    assert [int(t.to_object_id) for t in result.results[0].to] == [cid]


def test_a_contact_without_associations_is_a_207_error_item(client, shared):
    with_notes = _contacts_with(shared, "notes")
    without = next(c for c in range(1, 301) if c not in with_notes)
    result = _assoc(client, "notes", [with_notes[0], without])
    assert [r._from.id for r in result.results] == [str(with_notes[0])]
    assert result.num_errors == 1
    assert result.errors[0].context == {"fromObjectId": [str(without)]}


def test_associations_take_at_most_1000_inputs(shared):
    status, body, _ = http(shared, "POST", "/crm/v4/associations/contacts/emails/batch/read",
                           {"inputs": [{"id": str(i)} for i in range(1001)]})
    assert status == 400


def test_many_associations_page_inside_the_result(wclient, sandbox):
    for _ in range(510):
        sandbox.add_engagement(1, kind="note")
    first = _assoc(wclient, "notes", [1]).results[0]
    assert len(first.to) == 500 and first.paging.next.after
    rest = _assoc(wclient, "notes", [1], after=first.paging.next.after).results[0]
    ids = [t.to_object_id for t in first.to] + [t.to_object_id for t in rest.to]
    assert len(set(ids)) == len(sandbox.store.associated("contacts", "notes", 1))
    assert rest.paging is None


def test_added_engagement_is_found_by_search_and_moves_the_contact(wclient, sandbox):
    before = sandbox.contact(2, ["lastmodifieddate"])["lastmodifieddate"]
    meeting_id = sandbox.add_engagement(2, kind="meeting", outcome="no_show")
    meeting = wclient.crm.objects.meetings.basic_api.get_by_id(meeting_id, properties=["hs_meeting_outcome"])
    assert meeting.properties["hs_meeting_outcome"] == "NO_SHOW"
    assert int(meeting_id) in sandbox.store.associated("contacts", "meetings", 2)
    assert sandbox.contact(2, ["lastmodifieddate"])["lastmodifieddate"] > before


def test_marketing_counters_are_on_the_contact(client, shared):
    cid = max(range(1, 301), key=lambda c: int(shared.contact(c, ["hs_analytics_num_page_views"])
                                               ["hs_analytics_num_page_views"] or 0))
    read = client.crm.contacts.batch_api.read(BatchReadInputSimplePublicObjectId(
        inputs=[{"id": str(cid)}], properties=COUNTERS))
    props = read.results[0].properties
    assert int(props["hs_analytics_num_page_views"]) >= int(props["hs_analytics_num_visits"]) >= 1
    assert isoparse(props["hs_analytics_last_visit_timestamp"]) <= ANCHOR


def test_page_views_match_the_web_events(client, shared):
    cid = next(c for c in range(1, 301) if shared.contact(c, ["hs_analytics_num_page_views"])["hs_analytics_num_page_views"])
    count = int(shared.contact(cid, ["hs_analytics_num_page_views"])["hs_analytics_num_page_views"])
    events, after = [], None
    while True:
        page = client.events.events_api.get_page(object_type="contact", object_id=cid, event_type="e_visited_page",
                                                 limit=3, after=after)
        events.extend(page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    assert len(events) == count
    assert len({e.id for e in events}) == count
    assert all(e.properties["hs_url"].startswith("https://") for e in events)
    times = [e.occurred_at for e in events]
    assert times == sorted(times, reverse=True)


def test_events_filter_by_time(client, shared):
    cid = next(c for c in range(1, 301) if int(shared.contact(c, ["hs_analytics_num_page_views"])
                                               ["hs_analytics_num_page_views"] or 0) > 5)
    since = ANCHOR - timedelta(days=30)
    page = client.events.events_api.get_page(object_type="contact", object_id=cid, occurred_after=since, limit=1000,
                                             sort=["occurredAt"])
    assert all(e.occurred_at > since for e in page.results)
    assert [e.occurred_at for e in page.results] == sorted(e.occurred_at for e in page.results)


def test_a_new_page_view_moves_the_counters_and_adds_an_event(wclient, sandbox):
    before = int(sandbox.contact(3, ["hs_analytics_num_page_views"])["hs_analytics_num_page_views"] or 0)
    at = datetime.now(UTC).replace(microsecond=0)
    sandbox.add_engagement(3, kind="page_view", at=at, url="https://www.example-saas.com/pricing")
    after = sandbox.contact(3, ["hs_analytics_num_page_views", "hs_analytics_last_visit_timestamp"])
    assert int(after["hs_analytics_num_page_views"]) == before + 1
    assert isoparse(after["hs_analytics_last_visit_timestamp"]) == at
    page = wclient.events.events_api.get_page(object_type="contact", object_id=3, limit=1)
    assert page.results[0].properties["hs_url"] == "https://www.example-saas.com/pricing"


def test_a_form_submission_sets_the_recent_conversion(sandbox):
    sandbox.add_engagement(4, kind="form_submission", form="Request a demo")
    props = sandbox.contact(4, ["recent_conversion_event_name", "num_conversion_events"])
    assert props["recent_conversion_event_name"] == "Request a demo"
    assert int(props["num_conversion_events"]) >= 1


def test_unsubscribe_sets_the_opt_out(sandbox):
    sandbox.add_engagement(5, kind="unsubscribe")
    assert sandbox.contact(5, ["hs_email_optout"]) == {"hs_email_optout": "true"}


def test_a_heavy_contact_has_thousands_of_events():
    with HubSpotSandbox.start(contacts=10, seed=7, anchor=ANCHOR) as sb:
        views = int(sb.contact(8, ["hs_analytics_num_page_views"])["hs_analytics_num_page_views"])
        assert views >= 1000
        page = client_for(sb).events.events_api.get_page(object_type="contact", object_id=8, limit=1000)
        assert len(page.results) == 1000 and page.paging.next.after


def test_list_returns_associations_inline_when_asked(client, shared):
    cid = _contacts_with(shared, "calls")[0]
    contact = client.crm.contacts.basic_api.get_by_id(str(cid), associations=["calls"])
    ids = [int(a.id) for a in contact.associations["calls"].results]
    assert ids == shared.store.associated("contacts", "calls", cid)
    assert contact.associations["calls"].results[0].type == "contact_to_call"


def test_engagements_search_by_associated_contact(client, shared):
    cid = _contacts_with(shared, "emails")[0]
    body = PublicObjectSearchRequest(filter_groups=[{"filters": [
        {"propertyName": "associations.contact", "operator": "EQ", "value": str(cid)}]}], limit=200)
    result = client.crm.objects.emails.search_api.do_search(body)
    assert sorted(int(e.id) for e in result.results) == shared.store.associated("contacts", "emails", cid)


@pytest.mark.parametrize("query", ["limit=lots", "occurredAfter=yesterday", "after=%%%", "objectId=abc"])
def test_bad_event_queries_are_validation_errors(shared, query):
    status, body, _ = http(shared, "GET", f"/events/v3/events/?objectType=contact&{query}")
    assert status == 400
    assert body["category"] == "VALIDATION_ERROR"


def test_events_sort_by_occurred_at_oldest_first_and_by_minus_occurred_at_newest_first(client):
    api = client.events.events_api
    oldest = api.get_page(object_type="contact", object_id=8, limit=50, sort=["occurredAt"]).results
    newest = api.get_page(object_type="contact", object_id=8, limit=50, sort=["-occurredAt"]).results
    assert [e.occurred_at for e in oldest] == sorted(e.occurred_at for e in oldest)
    assert [e.occurred_at for e in newest] == sorted((e.occurred_at for e in newest), reverse=True)
    assert oldest[0].occurred_at < newest[0].occurred_at
