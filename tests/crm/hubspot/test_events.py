from datetime import datetime, timezone

from connector.crm.hubspot.events import counter_events, engagement_events, parse_time


def test_hubspot_dates_parse_from_iso_and_epoch_milliseconds():
    expected = datetime(2024, 1, 31, 12, 34, 56, 789000, tzinfo=timezone.utc)
    assert parse_time("2024-01-31T12:34:56.789Z") == expected
    assert parse_time("1706704496789") == expected
    assert parse_time("n/a") is None and parse_time("") is None


def test_marketing_counters_become_counted_events_dated_by_their_last_date():
    props = {"hs_analytics_num_page_views": "14", "hs_analytics_num_visits": "3",
             "hs_analytics_last_visit_timestamp": "2026-02-20T10:00:00.000Z",
             "hs_email_open": "5", "hs_email_last_open_date": "2026-02-21T10:00:00.000Z",
             "hs_email_click": "0", "hs_email_optout": "true"}
    events = {e.type: e for e in counter_events(props)}
    assert events["page_view"].count == 14
    assert events["page_view"].timestamp == datetime(2026, 2, 20, 10, tzinfo=timezone.utc)
    assert events["email_open"].count == 5
    assert "email_click" not in events
    assert events["unsubscribe"].count == 1


def test_undated_counters_are_dated_no_later_than_they_can_be():
    props = {"createdate": "2025-06-01T00:00:00.000Z", "hs_email_delivered": "9",
             "hs_email_open": "2", "hs_email_last_open_date": "2026-02-21T10:00:00.000Z",
             "hs_email_bounce": "1", "hs_email_optout": "true"}
    events = {e.type: e for e in counter_events(props)}
    assert events["email_delivered"].timestamp == datetime(2026, 2, 21, 10, tzinfo=timezone.utc)
    assert events["email_bounce"].timestamp == datetime(2025, 6, 1, tzinfo=timezone.utc)
    assert events["unsubscribe"].timestamp == datetime(2025, 6, 1, tzinfo=timezone.utc)


def test_form_submissions_keep_the_first_and_most_recent_form_names():
    props = {"num_conversion_events": "4", "recent_conversion_event_name": "Demo request",
             "recent_conversion_date": "2026-02-25T09:00:00.000Z",
             "first_conversion_event_name": "Ebook download",
             "first_conversion_date": "2025-11-02T09:00:00.000Z"}
    forms = [e for e in counter_events(props) if e.type == "form_submission"]
    assert [(e.attributes.get("form"), e.count) for e in forms] == [
        ("Demo request", 1), ("Ebook download", 1), (None, 2)]


def test_completed_meeting_counts_as_booked_and_held():
    events = engagement_events("meetings", {"hs_meeting_outcome": "COMPLETED",
                                            "hs_meeting_start_time": "2026-02-25T09:00:00.000Z"})
    assert [e.type for e in events] == ["meeting_booked", "meeting_held"]


def test_reply_and_bounce_emails_map_to_their_events():
    assert engagement_events("emails", {"hs_email_direction": "INCOMING_EMAIL"})[0].type == "email_reply"
    assert engagement_events("emails", {"hs_email_direction": "EMAIL", "hs_email_status": "BOUNCED"})[0].type == "email_bounce"


def test_connected_call_disposition_guid_is_named():
    events = engagement_events("calls", {"hs_call_disposition": "f240bbac-87c9-4f6e-bf70-924b57d47db7",
                                         "hs_call_direction": "OUTBOUND"})
    assert [e.type for e in events] == ["call", "call_connected"]
    assert events[0].attributes["disposition"] == "connected"
