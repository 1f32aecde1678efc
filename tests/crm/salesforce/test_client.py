import json

import pytest
import requests
import responses

from connector.crm.errors import CrmUnavailable
from connector.crm.salesforce.errors import AllocationStop, SessionError
from tests.crm.salesforce.conftest import (
    BASE, INSTANCE, TOKEN, error_body, oauth_client, query_result, sf_headers, token_answer,
)

LIMITS = {"DailyApiRequests": {"Max": 100000, "Remaining": 99000}}


def test_expired_session_is_renewed_once_and_the_call_repeated(rsps):
    rsps.add(responses.POST, INSTANCE + "/services/oauth2/token", json=token_answer("first-token"))
    rsps.add(responses.POST, INSTANCE + "/services/oauth2/token", json=token_answer("second-token"))
    rsps.add(responses.GET, BASE + "/limits", status=401,
             json=error_body("INVALID_SESSION_ID", "Session expired or invalid"))
    rsps.add(responses.GET, BASE + "/limits", json=LIMITS, headers=sf_headers())
    client = oauth_client()
    assert client.limits() == LIMITS
    auth = [c.request.headers.get("Authorization") for c in rsps.calls if "/limits" in c.request.url]
    assert auth == ["Bearer first-token", "Bearer second-token"]


def test_session_rejected_after_renewal_is_a_clear_error(rsps):
    rsps.add(responses.POST, INSTANCE + "/services/oauth2/token", json=token_answer("first-token"))
    rsps.add(responses.GET, BASE + "/limits", status=401,
             json=error_body("INVALID_SESSION_ID", "Session expired or invalid"))
    client = oauth_client()
    with pytest.raises(SessionError, match="renewed session too"):
        client.limits()
    token_calls = [c for c in rsps.calls if "oauth2/token" in c.request.url]
    assert len(token_calls) == 2


def test_expired_static_token_names_the_setting_and_hides_the_token(rsps, client):
    rsps.add(responses.GET, BASE + "/limits", status=401,
             json=error_body("INVALID_SESSION_ID", "Session expired or invalid"))
    with pytest.raises(SessionError) as err:
        client.limits()
    assert "LEADSCORE_SALESFORCE_ACCESS_TOKEN" in str(err.value)
    assert TOKEN not in str(err.value)


def test_refused_oauth_request_names_the_settings(rsps):
    rsps.add(responses.POST, INSTANCE + "/services/oauth2/token", status=400,
             json={"error": "invalid_client", "error_description": "invalid client credentials"})
    with pytest.raises(Exception, match="invalid_client.*LEADSCORE_SALESFORCE_CLIENT_ID"):
        oauth_client()


def test_daily_allocation_exceeded_stops_cleanly(rsps, client):
    rsps.add(responses.GET, BASE + "/limits", status=403,
             json=error_body("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."))
    with pytest.raises(AllocationStop, match="allocation is used up"):
        client.limits()
    assert len(rsps.calls) == 1


def test_concurrent_long_request_limit_is_retried(rsps, client):
    rsps.add(responses.GET, BASE + "/limits", status=403,
             json=error_body("REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded."))
    rsps.add(responses.GET, BASE + "/limits", json=LIMITS, headers=sf_headers())
    assert client.limits() == LIMITS
    assert (client.retries, client.rate_limited) == (1, 1)


def test_server_unavailable_and_dropped_connections_are_retried(rsps, client):
    rsps.add(responses.GET, BASE + "/limits", status=503,
             json=error_body("SERVER_UNAVAILABLE", "Server temporarily unavailable"))
    rsps.add(responses.GET, BASE + "/limits", body=requests.ConnectionError("connection reset"))
    rsps.add(responses.GET, BASE + "/limits", json=LIMITS, headers=sf_headers())
    assert client.limits() == LIMITS
    assert client.calls["limits"] == 3


def test_persistent_fault_gives_up_after_the_attempt_budget(rsps, client):
    for _ in range(3):
        rsps.add(responses.GET, BASE + "/limits", status=500,
                 json=error_body("UNKNOWN_EXCEPTION", "An unexpected error occurred."))
    with pytest.raises(CrmUnavailable, match="gave up after 3 attempts"):
        client.limits()


def test_guard_stops_before_the_share_of_the_allocation_is_used(rsps, client):
    client.guard.share = 0.5
    rsps.add(responses.GET, BASE + "/limits", json=LIMITS, headers=sf_headers(used=50_000, limit=100_000))
    client.limits()
    assert client.api_usage().quota == {"daily_used": 50_000, "daily_max": 100_000}
    with pytest.raises(AllocationStop, match="daily API usage is 50,000 of 100,000"):
        client.limits()
    assert len(rsps.calls) == 1


def test_query_follows_next_records_url_page_by_page(rsps, client):
    first = query_result([{"attributes": {"type": "Lead"}, "Id": "00Q000000000001AAA"}],
                         next_url="/services/data/v65.0/query/01gD0000002HU6KIAW-2000")
    second = query_result([{"attributes": {"type": "Lead"}, "Id": "00Q000000000002AAA"}])
    rsps.add(responses.GET, BASE + "/query/", json=first, headers=sf_headers())
    rsps.add(responses.GET, BASE + "/query/01gD0000002HU6KIAW-2000", json=second, headers=sf_headers())
    pages = list(client.query_pages("SELECT Id FROM Lead"))
    assert [[r["Id"] for r in page] for page in pages] == [["00Q000000000001AAA"], ["00Q000000000002AAA"]]
    assert rsps.calls[0].request.headers["Sforce-Query-Options"] == "batchSize=2000"
    assert dict(client.calls) == {"query": 1, "query_more": 1}


def test_collection_update_sends_all_or_none_false(rsps, client):
    rsps.add(responses.PATCH, BASE + "/composite/sobjects",
             json=[{"id": "00Q000000000001AAA", "success": True, "errors": []}], headers=sf_headers())
    client.update_collection("Lead", [{"id": "00Q000000000001AAA", "Leadscore_Fit__c": 40}])
    body = json.loads(rsps.calls[0].request.body)
    assert body == {"allOrNone": False, "records": [
        {"attributes": {"type": "Lead"}, "id": "00Q000000000001AAA", "Leadscore_Fit__c": 40}]}


def test_guard_also_keeps_to_the_connected_apps_own_allocation(rsps, client):
    headers = {**sf_headers(used=10, limit=100_000),
               "Sforce-Limit-Info": "api-usage=10/100000;per-app-api-usage=800/1000(appName=leadscore)"}
    rsps.add(responses.GET, BASE + "/limits", json=LIMITS, headers=headers)
    client.limits()
    with pytest.raises(AllocationStop, match="connected app's API usage is 800 of 1,000"):
        client.limits()


def test_jwt_bearer_flow_signs_an_assertion_for_the_user(rsps, tmp_path):
    from urllib.parse import parse_qs

    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from connector.crm.salesforce import SalesforceOptions, make_client
    from connector.settings import Settings

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    (tmp_path / "key.pem").write_bytes(pem)
    rsps.add(responses.POST, "https://login.salesforce.com/services/oauth2/token", json=token_answer("jwt-token"))
    settings = Settings(_env_file=None, salesforce_auth="jwt", salesforce_client_id="3MVG9-consumer-key",
                        salesforce_username="integration@acme.com", salesforce_private_key_file=tmp_path / "key.pem")
    client = make_client(SalesforceOptions.from_settings(settings))
    form = parse_qs(rsps.calls[0].request.body)
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    claims = jwt.decode(form["assertion"][0], key.public_key(), algorithms=["RS256"],
                        audience="https://login.salesforce.com")
    assert (claims["iss"], claims["sub"]) == ("3MVG9-consumer-key", "integration@acme.com")
    assert client.sf.session_id == "jwt-token" and client.base_url == BASE + "/"


def test_usage_reports_calls_answers_and_the_daily_allocation(rsps, client):
    rsps.add(responses.GET, BASE + "/limits", body=requests.ConnectionError("reset"))
    rsps.add(responses.GET, BASE + "/limits", json=LIMITS, headers=sf_headers(used=1234, limit=100_000))
    client.limits()
    usage = client.api_usage()
    assert usage.calls == {"limits": 2}
    assert usage.statuses == {"limits error": 1, "limits 200": 1}
    assert usage.quota == {"daily_used": 1234, "daily_max": 100_000}
