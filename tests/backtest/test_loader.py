"""Reading a history of leads with outcomes, from CSV and JSONL, through a mapping."""

import json
from datetime import UTC, datetime

import pytest

from connector.backtest.loader import load_history
from connector.backtest.mapping import MappingError, load_mapping, parse_mapping
from tests.backtest.conftest import MAPPING
from connector.errors import UserError

CSV = (
    "Prospect ID,Lead Source,Occupation,Tags,Converted\n"
    "a1,Google,Working Professional,Will revert after reading the email,1\n"
    "a2,Olark Chat,Select,Ringing,0\n"
    "a3,Reference,,Closed by Horizzon,1\n"
    "a4,Google,Student,,\n"
)
MAP = (
    '[source]\nid = "Prospect ID"\noutcome = "Converted"\nmissing = ["Select"]\n'
    '[properties]\n"Lead Source" = "lead_source"\n"Occupation" = "jobtitle"\n'
    '[post_contact]\ncolumns = ["Tags"]\n'
)


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(CSV)
    return path


def test_csv_rows_become_leads_with_outcomes(csv_file):
    history = load_history(csv_file, None, parse_mapping(MAP, "map.toml"))
    assert [(x.lead.id, x.outcome) for x in history.leads] == [("a1", 1), ("a2", 0), ("a3", 1)]
    assert history.leads[0].lead.properties == {"lead_source": "Google", "jobtitle": "Working Professional"}


def test_post_contact_columns_and_the_outcome_never_reach_the_lead(csv_file):
    history = load_history(csv_file, "Converted", parse_mapping(MAP, "map.toml"))
    for item in history.leads:
        assert "Tags" not in item.lead.properties and "Converted" not in item.lead.properties
    assert history.left_out == {"Tags"}


def test_placeholder_and_empty_values_are_missing(csv_file):
    history = load_history(csv_file, None, parse_mapping(MAP, "map.toml"))
    assert history.leads[1].lead.properties["jobtitle"] is None
    assert history.leads[2].lead.properties["jobtitle"] is None


def test_rows_without_an_outcome_are_left_out_and_counted(csv_file):
    history = load_history(csv_file, None, parse_mapping(MAP, "map.toml"))
    assert history.warnings == ["1 rows without a known outcome were left out (first: line 5: '')"]


def test_without_mapping_every_other_column_is_a_property(csv_file):
    history = load_history(csv_file, "Converted")
    assert set(history.leads[0].lead.properties) == {"Prospect ID", "Lead Source", "Occupation", "Tags"}


def test_unknown_outcome_column_suggests_the_nearest(csv_file):
    with pytest.raises(UserError, match=r"no outcome column 'Convertd'; fix: did you mean 'Converted'\?"):
        load_history(csv_file, "Convertd")


def test_mapped_column_missing_from_the_header_is_named(csv_file):
    mapping = parse_mapping('[properties]\n"Lead Sorce" = "lead_source"\n', "map.toml")
    with pytest.raises(MappingError, match=r"map.toml: column 'Lead Sorce': not in the header of .*leads.csv; fix: did you mean 'Lead Source'\?"):
        load_history(csv_file, "Converted", mapping)


def test_no_outcome_anywhere_says_how_to_give_one(csv_file):
    with pytest.raises(UserError, match="fix: pass --outcome COLUMN"):
        load_history(csv_file, None)


def test_jsonl_leads_keep_their_dated_events(tmp_path):
    path = tmp_path / "leads.jsonl"
    lead = {
        "id": "c-1",
        "converted": "yes",
        "stage": "lead",
        "properties": {"jobtitle": "VP Sales"},
        "events": [{"type": "page_view", "timestamp": "2024-05-01T09:30:00Z", "attributes": {"url": "/pricing"}}],
    }
    path.write_text(json.dumps(lead) + "\n\n")
    (item,) = load_history(path, "converted").leads
    assert item.outcome == 1
    assert item.lead.properties == {"jobtitle": "VP Sales"}
    assert item.lead.stage == "lead"
    (event,) = item.lead.events
    assert event.timestamp == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    assert event.attributes == {"url": "/pricing"}


def test_jsonl_bad_line_names_the_line(tmp_path):
    path = tmp_path / "leads.jsonl"
    path.write_text('{"id": "1", "won": "1"}\n{"id": 2,\n')
    with pytest.raises(UserError, match=r"leads.jsonl:2: not valid JSON .*fix: write one JSON object per line"):
        load_history(path, "won")


def test_jsonl_per_lead_cutoff_is_read_from_the_mapping(tmp_path):
    path = tmp_path / "leads.jsonl"
    path.write_text(json.dumps({"id": "1", "won": "1", "cutoff": "2024-06-01"}) + "\n")
    mapping = parse_mapping('[source]\nas_of = "cutoff"\n', "map.toml")
    (item,) = load_history(path, "won", mapping).leads
    assert item.as_of == datetime(2024, 6, 1, tzinfo=UTC)
    assert "cutoff" not in item.lead.properties


def test_count_and_value_columns_become_events(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text("Id,Visits,Ebook,Won\n1,3,Yes,1\n2,0,No,0\n3,2.5,,0\n")
    mapping = parse_mapping(
        '[source]\nid = "Id"\n[[events]]\ncolumn = "Visits"\ntype = "visit"\n'
        '[[events]]\ncolumn = "Ebook"\nvalues = { "Yes" = "content_download" }\n', "map.toml",
    )
    history = load_history(path, "Won", mapping)
    assert [[(e.type, e.count) for e in x.lead.events] for x in history.leads] == [
        [("visit", 3), ("content_download", 1)], [], [],
    ]
    assert history.warnings == ["1 values of 'Visits' are not whole counts and were left out (first: line 4: '2.5')"]


def test_the_real_x_education_export_loads_without_its_post_contact_columns(xeducation_csv):
    history = load_history(xeducation_csv, None, load_mapping(MAPPING))
    assert len(history.leads) > 9000
    assert 0.3 < sum(history.outcomes) / len(history.leads) < 0.45
    assert history.warnings == []
    names = set().union(*(x.lead.properties for x in history.leads))
    assert "jobtitle" in names and "Tags" not in names and "tags" not in names
    assert any(e.type == "visit" for x in history.leads for e in x.lead.events)
