"""The mapping file: what it accepts, and the errors a revops user gets for a mistake."""

import pytest

from connector.backtest.mapping import MappingError, load_mapping, parse_mapping
from tests.backtest.conftest import MAPPING


def test_mapping_reads_columns_and_their_roles():
    mapping = parse_mapping(
        '[source]\nid = "Id"\noutcome = "Won"\nmissing = ["Select"]\n'
        '[properties]\n"Job Title" = "jobtitle"\n'
        '[post_contact]\ncolumns = ["Tags"]\n[ignore]\ncolumns = ["Number"]\n',
        "map.toml",
    )
    assert mapping.properties == {"Job Title": "jobtitle"}
    assert mapping.post_contact == {"Tags"}
    assert mapping.missing == {"select"}
    assert mapping.columns() == {"Id", "Won", "Job Title", "Tags", "Number"}


def test_unknown_key_names_file_field_and_nearest_key():
    with pytest.raises(MappingError) as err:
        parse_mapping('[source]\noutcom = "Converted"\n', "map.toml")
    assert str(err.value) == "map.toml: [source].outcom: unknown key; fix: did you mean 'outcome'?"


def test_unknown_section_is_named():
    with pytest.raises(MappingError, match=r"map.toml: mapping.propertes: unknown key; fix: did you mean 'properties'"):
        parse_mapping('[propertes]\n"A" = "a"\n', "map.toml")


def test_toml_syntax_error_names_the_file():
    with pytest.raises(MappingError, match=r"^map.toml: syntax: .*line 1.*fix: correct the TOML"):
        parse_mapping("[source\n", "map.toml")


def test_wrong_type_says_what_was_expected():
    with pytest.raises(MappingError, match=r"\[post_contact\].columns: expected a list of text, got 'Tags'"):
        parse_mapping('[post_contact]\ncolumns = "Tags"\n', "map.toml")


def test_a_column_with_two_roles_is_refused():
    with pytest.raises(MappingError, match=r"\[post_contact\]: column 'Tags' is already used in \[properties\]; fix: give each column one role"):
        parse_mapping('[properties]\n"Tags" = "tags"\n[post_contact]\ncolumns = ["Tags"]\n', "map.toml")


def test_two_columns_with_one_property_name_are_refused():
    with pytest.raises(MappingError, match="property name 'title' is also given to 'A'"):
        parse_mapping('[properties]\n"A" = "title"\n"B" = "title"\n', "map.toml")


def test_missing_mapping_file_says_how_to_fix(tmp_path):
    with pytest.raises(MappingError, match=r"cannot read the mapping file.*fix: pass an existing file with --mapping"):
        load_mapping(tmp_path / "nope.toml")


def test_event_column_needs_a_known_event_type():
    with pytest.raises(MappingError, match=r"\[\[events\]\] #1: unknown event type 'visits'; fix: did you mean 'visit'\?"):
        parse_mapping('[[events]]\ncolumn = "TotalVisits"\ntype = "visits"\n', "map.toml")


def test_event_column_needs_type_or_values():
    with pytest.raises(MappingError, match="needs exactly one of type .* or values"):
        parse_mapping('[[events]]\ncolumn = "TotalVisits"\n', "map.toml")


def test_shipped_xeducation_mapping_keeps_sales_notes_out():
    mapping = load_mapping(MAPPING)
    assert {"Tags", "Lead Quality", "Last Activity", "Asymmetrique Activity Score"} <= mapping.post_contact
    assert mapping.outcome == "Converted"
    assert [e.type or sorted(e.values.values()) for e in mapping.events] == ["visit", ["content_download"], ["unsubscribe"]]
