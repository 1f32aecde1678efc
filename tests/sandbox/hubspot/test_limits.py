"""Rate limits as HubSpot enforces them, with a clock the test moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connector.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.hubspot.conftest import ANCHOR, http

HEADERS = ("X-HubSpot-RateLimit-Daily", "X-HubSpot-RateLimit-Daily-Remaining",
           "X-HubSpot-RateLimit-Interval-Milliseconds", "X-HubSpot-RateLimit-Max", "X-HubSpot-RateLimit-Remaining",
           "X-HubSpot-RateLimit-Secondly", "X-HubSpot-RateLimit-Secondly-Remaining")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def limited(clock):
    with HubSpotSandbox.start(contacts=10, seed=2, anchor=ANCHOR, rate_limit_per_10s=5, daily_limit=8,
                              search_per_second=2, rate_clock=lambda: clock().timestamp()) as sb:
        yield sb


def _get(sb):
    return http(sb, "GET", "/crm/v3/objects/contacts?limit=1")


def _search(sb):
    return http(sb, "POST", "/crm/v3/objects/contacts/search", {"limit": 1})


def test_every_response_carries_the_rate_limit_headers(limited):
    status, _, headers = _get(limited)
    assert status == 200
    assert {h: headers[h] for h in HEADERS} == {
        "X-HubSpot-RateLimit-Daily": "8", "X-HubSpot-RateLimit-Daily-Remaining": "7",
        "X-HubSpot-RateLimit-Interval-Milliseconds": "10000", "X-HubSpot-RateLimit-Max": "5",
        "X-HubSpot-RateLimit-Remaining": "4", "X-HubSpot-RateLimit-Secondly": "1",
        "X-HubSpot-RateLimit-Secondly-Remaining": "0"}


def test_an_error_response_carries_them_too(limited):
    status, _, headers = http(limited, "GET", "/crm/v3/objects/contacts/99999")
    assert status == 404
    assert headers["X-HubSpot-RateLimit-Remaining"] == "4"


def test_over_the_ten_second_window_is_a_429_with_hubspots_body(limited):
    for _ in range(5):
        assert _get(limited)[0] == 200
    status, body, headers = _get(limited)
    assert status == 429
    assert body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert "category" not in body and body["correlationId"]
    assert headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert "Retry-After" not in headers


def test_the_window_rolls(limited, clock):
    for _ in range(3):
        _get(limited)
    clock.advance(5)
    for _ in range(2):
        _get(limited)
    assert _get(limited)[0] == 429
    clock.advance(5.5)
    assert [_get(limited)[0] for _ in range(4)] == [200, 200, 200, 429]


def test_the_daily_limit_is_a_429_until_the_next_day(limited, clock):
    for _ in range(8):
        assert _get(limited)[0] == 200
        clock.advance(3)
    status, body, _ = _get(limited)
    assert status == 429 and body["policyName"] == "DAILY"
    clock.advance(86_400)
    assert _get(limited)[0] == 200


def test_search_has_its_own_per_second_limit(limited, clock):
    assert [_search(limited)[0] for _ in range(3)] == [200, 200, 429]
    status, body, headers = _search(limited)
    assert body["policyName"] == "SECONDLY"
    assert not [h for h in headers if h.lower().startswith("x-hubspot-ratelimit")]
    clock.advance(1.01)
    assert _search(limited)[0] == 200


def test_search_does_not_use_the_ten_second_window(limited):
    _search(limited)
    _search(limited)
    assert _get(limited)[2]["X-HubSpot-RateLimit-Remaining"] == "4"


def test_limits_are_per_token(limited):
    limited.add_token("pat-sandbox-second")
    for _ in range(5):
        _get(limited)
    assert _get(limited)[0] == 429
    assert http(limited, "GET", "/crm/v3/objects/contacts?limit=1", token="pat-sandbox-second")[0] == 200


def test_429s_are_in_the_request_log(limited):
    for _ in range(6):
        _get(limited)
    assert limited.requests()[-1] == ("GET", "/crm/v3/objects/contacts", 429)


def test_the_limiter_keeps_real_time_when_a_test_moves_the_records_clock():
    records_clock = Clock()
    with HubSpotSandbox.start(contacts=5, seed=2, anchor=ANCHOR, clock=records_clock, rate_limit_per_10s=3) as sb:
        assert [_get(sb)[0] for _ in range(3)] == [200, 200, 200]
        records_clock.advance(60)
        assert _get(sb)[0] == 429
