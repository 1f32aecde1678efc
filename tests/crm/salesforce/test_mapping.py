from datetime import UTC, datetime

from connector.crm.salesforce.mapping import EventMapper, as_text, parse_datetime, to_fields

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def test_salesforce_datetimes_and_dates_parse_as_utc():
    assert parse_datetime("2013-05-20T20:49:32.000+0000") == datetime(2013, 5, 20, 20, 49, 32, tzinfo=UTC)
    assert parse_datetime("2024-01-31") == datetime(2024, 1, 31, tzinfo=UTC)
    assert parse_datetime("not a date") is None


def test_json_values_become_the_cores_text():
    assert [as_text(v) for v in (250.0, 12.5, True, None, "Berlin")] == ["250", "12.5", "true", None, "Berlin"]


def test_an_unmapped_task_subtype_is_no_event(config):
    assert EventMapper(config, lambda: NOW).task({"TaskSubtype": "Cadence", "Subject": "Step 2"}) == []


def test_campaign_status_matches_case_insensitively_and_names_the_campaign(config):
    row = {"Status": "responded", "FirstRespondedDate": "2026-11-01", "Campaign": {"Name": "Trial signup"}}
    [event] = EventMapper(config, lambda: NOW).campaign_member(row)
    assert (event.type, event.timestamp, dict(event.attributes)) == (
        "form_submission", datetime(2026, 11, 1, tzinfo=UTC), {"campaign": "Trial signup"})


def test_a_future_meeting_is_booked_not_held(config):
    row = {"EventSubtype": "Event", "CreatedDate": "2026-11-19T10:00:00.000+0000",
           "StartDateTime": "2026-11-25T10:00:00.000+0000"}
    assert [e.type for e in EventMapper(config, lambda: NOW).event(row)] == ["meeting_booked"]


def test_stage_values_are_mapped_both_ways(config):
    config = type(config)(**{**vars(config), "stage_values": {"marketingqualifiedlead": "MQL"}})
    assert to_fields({"stage": "marketingqualifiedlead"}, "00Q1", config) == {"Leadscore_Stage__c": "MQL"}
    assert config.stage_from_crm("MQL") == "marketingqualifiedlead"


def test_rating_is_only_written_on_leads(config):
    config = type(config)(**{**vars(config), "rating_enabled": True})
    assert "Rating" not in to_fields({"label": "warm"}, "003000000000001AAA", config)
    assert to_fields({"label": "warm"}, "00Q000000000001AAA", config)["Rating"] == "Warm"


def test_a_meeting_is_held_by_the_scoring_moment_not_the_wall_clock(client, config):
    from connector.crm.base import RunTimes
    from connector.crm.salesforce.adapter import SalesforceAdapter

    row = {"EventSubtype": "Event", "CreatedDate": "2026-11-19T10:00:00.000+0000",
           "StartDateTime": "2026-11-25T10:00:00.000+0000"}
    adapter = SalesforceAdapter(client, config)
    adapter.start_pass(RunTimes(scoring=datetime(2026, 11, 20, tzinfo=UTC), started=datetime(2026, 12, 1, tzinfo=UTC)))
    assert [e.type for e in adapter.reader.events.event(row)] == ["meeting_booked"]
    adapter.start_pass(RunTimes(scoring=datetime(2026, 11, 26, tzinfo=UTC), started=datetime(2026, 11, 26, tzinfo=UTC)))
    assert [e.type for e in adapter.reader.events.event(row)] == ["meeting_booked", "meeting_held"]
