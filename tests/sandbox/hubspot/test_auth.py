"""Private-app token auth: HubSpot's 401 and 403 bodies and headers."""

from __future__ import annotations

import json

import pytest
from hubspot.crm.contacts import ApiException

from tests.sandbox.hubspot.conftest import client_for, http


def test_a_wrong_token_gets_the_401_body(shared):
    with pytest.raises(ApiException) as err:
        client_for(shared, token="pat-na1-wrong").crm.contacts.basic_api.get_page(limit=1)
    body = json.loads(err.value.body)
    assert err.value.status == 401
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert body["message"].startswith("Authentication credentials not found.")
    assert err.value.headers["X-HubSpot-Auth-Failure"] == "401 Unauthorized"
    assert err.value.headers["X-HubSpot-Correlation-Id"] == body["correlationId"]


def test_a_missing_token_gets_the_401(shared):
    status, body, headers = http(shared, "GET", "/crm/v3/objects/contacts", token=None)
    assert status == 401
    assert body["category"] == "INVALID_AUTHENTICATION"


def test_a_401_carries_no_rate_limit_headers(shared):
    _, _, headers = http(shared, "GET", "/crm/v3/objects/contacts", token="pat-na1-wrong")
    assert not [h for h in headers if h.lower().startswith("x-hubspot-ratelimit")]


def test_a_token_without_the_scope_gets_the_403_naming_it(shared):
    shared.add_token("pat-sandbox-readonly", scopes=["crm.objects.contacts.read"])
    status, body, _ = http(shared, "POST", "/crm/v3/objects/contacts/batch/update",
                           {"inputs": [{"id": "1", "properties": {"jobtitle": "x"}}]}, token="pat-sandbox-readonly")
    assert status == 403
    assert body["category"] == "MISSING_SCOPES"
    assert body["errors"][0]["context"]["requiredScopes"] == ["crm.objects.contacts.write"]
    assert body["links"]["scopes"].startswith("https://")


def test_a_token_with_the_scope_reads(shared):
    shared.add_token("pat-sandbox-reader", scopes=["crm.objects.contacts.read"])
    status, body, _ = http(shared, "GET", "/crm/v3/objects/contacts?limit=1", token="pat-sandbox-reader")
    assert status == 200


def test_requests_are_logged_by_method_path_and_status(shared):
    http(shared, "GET", "/crm/v3/objects/contacts/12", token="pat-na1-wrong")
    assert shared.requests()[-1] == ("GET", "/crm/v3/objects/contacts/12", 401)
