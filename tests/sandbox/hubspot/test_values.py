"""Values between the wire and the store: dates as HubSpot writes them, tokens as search matches them."""

from __future__ import annotations

import pytest

from connector.sandbox.hubspot.catalog import PropertyDef
from connector.sandbox.hubspot.values import InvalidValue, contains_token, decode, encode, iso, parse_time

DATE = PropertyDef("d", "D", "date", "date", "g")


def test_datetimes_go_out_with_milliseconds_and_z():
    assert iso(1706704496789) == "2024-01-31T12:34:56.789Z"


@pytest.mark.parametrize("raw", ["1706704496789", 1706704496789, "2024-01-31T12:34:56.789Z", "2024-01-31T13:34:56.789+01:00"])
def test_datetimes_come_in_as_epoch_ms_or_iso(raw):
    assert parse_time(raw) == 1706704496789


def test_a_date_property_takes_midnight_only():
    assert decode("date", encode(DATE, "2024-01-31")) == "2024-01-31"
    with pytest.raises(InvalidValue):
        encode(DATE, "2024-01-31T10:00:00Z")


@pytest.mark.parametrize("text,token,found", [
    ("Sales Director", "director", True),
    ("Directors", "director", False),
    ("VP Sales / Head of Growth", "head", True),
    ("john@gmail.com", "*@gmail.com", True),
    ("john@gmail.com.evil.io", "*@gmail.com", False),
    ("Müller Logistik", "MÜLLER", True),
    (None, "x", False),
])
def test_contains_token_matches_whole_words(text, token, found):
    assert bool(contains_token(text, token)) is found
