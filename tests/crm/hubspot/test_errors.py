import json

import urllib3
from hubspot.crm.contacts.exceptions import ApiException

from connector.crm.errors import CrmAuthError, CrmScopeError, CrmUnavailable
from connector.crm.hubspot.errors import classify


def api_error(status, body, headers=None):
    exc = ApiException(status=status, reason="x")
    exc.body = json.dumps(body).encode()
    exc.headers = headers or {}
    return exc


TEN_SECONDLY = {"status": "error", "message": "You have reached your ten_secondly_rolling limit.",
                "errorType": "RATE_LIMIT", "correlationId": "c0ffee00-0000-4000-8000-000000000001",
                "policyName": "TEN_SECONDLY_ROLLING", "requestId": "r1"}


def test_ten_secondly_429_waits_the_rate_limit_interval():
    verdict = classify(api_error(429, TEN_SECONDLY, {"X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}))
    assert verdict.retry and verdict.rate_limited and verdict.wait == 10.0


def test_retry_after_is_honoured():
    verdict = classify(api_error(429, TEN_SECONDLY, {"Retry-After": "3"}))
    assert verdict.wait == 3.0


def test_search_per_second_429_waits_one_second():
    verdict = classify(api_error(429, {**TEN_SECONDLY, "policyName": "SECONDLY"}))
    assert verdict.retry and verdict.wait == 1.0


def test_daily_429_stops_the_run():
    verdict = classify(api_error(429, {**TEN_SECONDLY, "policyName": "DAILY"}))
    assert not verdict.retry and isinstance(verdict.fatal, CrmUnavailable)
    assert "daily API limit" in str(verdict.fatal)


def test_server_errors_are_retried():
    for status in (500, 502, 503, 504):
        assert classify(api_error(status, {"status": "error", "message": "internal"})).retry


def test_dropped_connections_and_timeouts_are_retried():
    assert classify(urllib3.exceptions.ProtocolError("Connection aborted.")).retry
    assert classify(urllib3.exceptions.ReadTimeoutError(None, "/x", "read timed out")).retry
    assert classify(ConnectionResetError()).retry


def test_401_stops_at_once_about_the_token():
    body = {"status": "error", "message": "Authentication credentials not found.",
            "correlationId": "abc", "category": "INVALID_AUTHENTICATION"}
    verdict = classify(api_error(401, body))
    assert not verdict.retry and isinstance(verdict.fatal, CrmAuthError)
    assert "LEADSCORE_HUBSPOT_TOKEN" in str(verdict.fatal)


def test_403_names_the_missing_scope():
    body = {"status": "error", "message": "This app hasn't been granted all required scopes to make this call.",
            "correlationId": "abc", "category": "MISSING_SCOPES",
            "errors": [{"message": "One or more of the following scopes are required.",
                        "context": {"requiredScopes": ["crm.schemas.contacts.write"]}}],
            "links": {"scopes": "https://developers.hubspot.com/scopes"}}
    verdict = classify(api_error(403, body))
    assert isinstance(verdict.fatal, CrmScopeError)
    assert "crm.schemas.contacts.write" in str(verdict.fatal)


def test_validation_errors_pass_through():
    verdict = classify(api_error(400, {"status": "error", "category": "VALIDATION_ERROR"}))
    assert not verdict.retry and verdict.fatal is None
