from datetime import datetime, timezone

import pytest

from connector.errors import UserError
from connector.scoring.leadfile import parse_timestamp, read_leads

from .conftest import ROOT

LINE = ('{"id": "1001", "stage": "lead", "properties": {"jobtitle": "VP Sales"}, "events": '
        '[{"type": "page_view", "timestamp": "2026-11-18T14:02:11Z", "attributes": {"url": "/pricing"}}]}')


def write(tmp_path, *lines: str):
    path = tmp_path / "leads.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_reads_a_lead_with_its_events(tmp_path):
    (lead,) = read_leads(write(tmp_path, LINE))
    assert lead.id == "1001"
    assert lead.stage == "lead"
    assert lead.properties["jobtitle"] == "VP Sales"
    assert lead.events[0].type == "page_view"
    assert lead.events[0].timestamp == datetime(2026, 11, 18, 14, 2, 11, tzinfo=timezone.utc)
    assert lead.events[0].attributes == {"url": "/pricing"}


def test_blank_and_comment_lines_are_skipped(tmp_path):
    assert [lead.id for lead in read_leads(write(tmp_path, "# exported 2026-11-20", "", LINE))] == ["1001"]


def test_invalid_json_names_the_file_and_line(tmp_path):
    path = write(tmp_path, LINE, '{"id": "2", "properties": {')
    with pytest.raises(UserError, match=r"leads\.jsonl:2: not valid JSON .*fix: write one JSON object per line"):
        list(read_leads(path))


def test_lead_without_id_is_a_clear_error(tmp_path):
    with pytest.raises(UserError, match=r"leads\.jsonl:1: the lead has no id; fix:"):
        list(read_leads(write(tmp_path, '{"properties": {}}')))


def test_event_without_type_is_a_clear_error(tmp_path):
    with pytest.raises(UserError, match=r"leads\.jsonl:1: lead 7: event 1 needs a \"type\""):
        list(read_leads(write(tmp_path, '{"id": 7, "events": [{"timestamp": "2026-01-01T00:00:00Z"}]}')))


def test_epoch_milliseconds_timestamps_are_read_as_utc():
    assert parse_timestamp(1763647200000) == datetime(2025, 11, 20, 14, 0, tzinfo=timezone.utc)
    assert parse_timestamp("1763647200000") == datetime(2025, 11, 20, 14, 0, tzinfo=timezone.utc)


def test_unreadable_timestamp_becomes_none_for_the_core_to_report():
    assert parse_timestamp("last tuesday") is None
    assert parse_timestamp(None) is None


def test_naive_timestamp_is_taken_as_utc():
    assert parse_timestamp("2026-11-18T14:02:11") == datetime(2026, 11, 18, 14, 2, 11, tzinfo=timezone.utc)


def test_sample_leads_file_has_about_twenty_valid_leads():
    leads = list(read_leads(ROOT / "config" / "sample_leads.jsonl"))
    assert 15 <= len(leads) <= 30
    assert len({lead.id for lead in leads}) == len(leads)


def test_event_counts_written_as_text_or_whole_floats_are_read_as_numbers(tmp_path):
    line = ('{"id": 1, "events": [{"type": "email_open", "timestamp": "2026-11-01T00:00:00Z", "count": "4"}, '
            '{"type": "email_open", "timestamp": "2026-11-01T00:00:00Z", "count": 2.0}]}')
    (lead,) = read_leads(write(tmp_path, line))
    assert [event.count for event in lead.events] == [4, 2]


def test_a_bad_utf8_byte_is_reported_on_its_own_line(tmp_path):
    path = tmp_path / "leads.jsonl"
    filler = "\n".join(LINE.replace('"1001"', f'"{i}"') for i in range(300))  # past the first read buffer
    path.write_bytes(filler.encode() + b'\n{"id": "x", "properties": {"jobtitle": "Caf\xe9"}}\n')
    with pytest.raises(UserError, match=r"leads\.jsonl:301: not UTF-8 text \(byte 0xe9 at column 44\); fix: save"):
        list(read_leads(path))


def test_a_lone_surrogate_escape_is_a_line_numbered_error(tmp_path):
    path = write(tmp_path, LINE, '{"id": "2", "properties": {"jobtitle": "VP \\ud800 Sales"}}')
    with pytest.raises(UserError, match=r"leads\.jsonl:2: holds a lone UTF-16 surrogate escape"):
        list(read_leads(path))


def test_a_surrogate_pair_escape_is_an_ordinary_character(tmp_path):
    (lead,) = read_leads(write(tmp_path, '{"id": "3", "properties": {"jobtitle": "VP \\ud83d\\ude80 Sales"}}'))
    assert lead.properties["jobtitle"] == "VP \U0001f680 Sales"


def test_very_deeply_nested_json_is_a_line_numbered_error(tmp_path):
    path = write(tmp_path, '{"id": "4", "properties": {"x": ' + "[" * 100_000 + "]" * 100_000 + "}}")
    with pytest.raises(UserError, match=r"leads\.jsonl:1: the JSON is nested too deeply to read; fix:"):
        list(read_leads(path))


def test_a_number_with_too_many_digits_is_a_line_numbered_error(tmp_path):
    path = write(tmp_path, '{"id": "5", "properties": {"numemployees": ' + "9" * 5000 + "}}")
    with pytest.raises(UserError, match=r"leads\.jsonl:1: not valid JSON .*fix: write one JSON object per line"):
        list(read_leads(path))
