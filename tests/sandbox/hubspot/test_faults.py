"""Fault profiles: seeded, replayable misbehaviour through the real client and plain HTTP."""

from __future__ import annotations

import json

import pytest
import urllib3
from hubspot.crm.contacts import ApiException, BatchInputSimplePublicObjectBatchInput

from connector.errors import UserError
from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.hubspot.faults import FaultProfile
from tests.sandbox.hubspot.conftest import ANCHOR, client_for, http


@pytest.fixture
def sb():
    with HubSpotSandbox.start(contacts=20, seed=5, anchor=ANCHOR, rate_limit_per_10s=100_000) as sandbox:
        yield sandbox


def _statuses(sandbox, n=40):
    return [http(sandbox, "GET", "/crm/v3/objects/contacts?limit=1")[0] for _ in range(n)]


def _update(sandbox, inputs):
    return client_for(sandbox).crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(inputs=inputs))


def test_a_profile_is_a_name_pairs_or_both():
    assert FaultProfile.parse("rate-limited").rate_429 == 0.25
    assert FaultProfile.parse("flaky,seed=3,rate_drop=0").seed == 3
    assert FaultProfile.parse("rate_5xx=0.5,retry_after=2").retry_after == 2.0


@pytest.mark.parametrize("spec", ["chaos", "rate_500=1", "rate_429=lots"])
def test_a_bad_profile_is_a_user_error(spec):
    with pytest.raises(UserError):
        FaultProfile.parse(spec)


def test_injected_429s_carry_hubspots_body_without_retry_after(sb):
    sb.set_faults("rate_429=1")
    status, body, headers = http(sb, "GET", "/crm/v3/objects/contacts?limit=1")
    assert status == 429 and body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert "Retry-After" not in headers


def test_retry_after_is_sent_when_configured(sb):
    sb.set_faults("rate_429=1,retry_after=3")
    assert http(sb, "GET", "/crm/v3/objects/contacts?limit=1")[2]["Retry-After"] == "3"


def test_server_errors_cover_500_to_504(sb):
    sb.set_faults("rate_5xx=1")
    assert set(_statuses(sb)) == {500, 502, 503, 504}


def test_gateway_errors_have_an_html_body(sb):
    sb.set_faults("rate_5xx=1")
    answers = [http(sb, "GET", "/crm/v3/objects/contacts?limit=1") for _ in range(20)]
    assert all(body.startswith("<html>") for status, body, _ in answers if status in (502, 503, 504))
    assert all(body["status"] == "error" for status, body, _ in answers if status == 500)


def test_the_client_raises_on_a_server_error(sb):
    sb.set_faults("rate_5xx=1")
    with pytest.raises(ApiException) as err:
        client_for(sb).crm.contacts.basic_api.get_page(limit=1)
    assert err.value.status in (500, 502, 503, 504)


def test_the_same_seed_replays_the_same_faults(sb):
    sb.set_faults("flaky,rate_drop=0,rate_reset=0,rate_slow=0,seed=4")
    first = _statuses(sb)
    sb.set_faults("flaky,rate_drop=0,rate_reset=0,rate_slow=0,seed=4")
    assert _statuses(sb) == first
    sb.set_faults("flaky,rate_drop=0,rate_reset=0,rate_slow=0,seed=5")
    assert _statuses(sb) != first


def test_a_dropped_connection_breaks_the_response_after_the_write_took_effect(sb):
    sb.set_faults("rate_drop=1")
    with pytest.raises(urllib3.exceptions.ProtocolError):
        _update(sb, [{"id": "2", "properties": {"jobtitle": "Dropped but written"}}])
    sb.set_faults(None)
    assert sb.contact(2, ["jobtitle"]) == {"jobtitle": "Dropped but written"}
    assert len(sb.write_history(2)) == 1


def test_a_partial_batch_is_207_and_applies_only_the_rest(sb):
    sb.set_faults("rate_partial=1,seed=2")
    inputs = [{"id": str(i), "properties": {"jobtitle": "Partial"}} for i in range(1, 11)]
    result = _update(sb, inputs)
    failed = set(result.errors[0].context["ids"])
    assert result.num_errors == 1 and failed
    assert {c.id for c in result.results} == {str(i) for i in range(1, 11)} - failed
    for i in range(1, 11):
        assert (sb.contact(i, ["jobtitle"])["jobtitle"] == "Partial") == (str(i) not in failed)


def test_the_token_expires_after_n_requests(sb):
    sb.set_faults("token_expires_after=3")
    assert _statuses(sb, 4) == [200, 200, 200, 401]


def test_a_slow_response_times_the_client_out(sb):
    sb.set_faults("rate_slow=1,slow_seconds=1")
    # urllib3's default retry retries the GET on a read timeout, then gives up.
    with pytest.raises((urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.MaxRetryError)):
        client_for(sb).crm.contacts.basic_api.get_page(limit=1, _request_timeout=0.2)


def test_faults_are_set_and_read_through_the_admin_endpoint(sb):
    status, body, _ = http(sb, "PUT", "/_sandbox/faults", {"profile": "rate_5xx=1"}, token=None)
    assert status == 200 and body["rate_5xx"] == 1.0
    assert http(sb, "GET", "/_sandbox/faults", token=None)[1]["rate_5xx"] == 1.0
    assert _statuses(sb, 3) != [200, 200, 200]


def test_the_admin_endpoint_lists_requests_by_path_and_status(sb):
    http(sb, "GET", "/crm/v3/objects/contacts?limit=1")
    http(sb, "GET", "/crm/v3/objects/contacts?limit=1", token="pat-wrong")
    status, body, _ = http(sb, "GET", "/_sandbox/requests", token=None)
    assert {(r["path"], r["status"], r["count"]) for r in body["requests"]} == {
        ("/crm/v3/objects/contacts", 200, 1), ("/crm/v3/objects/contacts", 401, 1)}


def test_the_admin_endpoint_shows_writes_per_contact(sb):
    _update(sb, [{"id": "4", "properties": {"jobtitle": "Seen"}}])
    body = http(sb, "GET", "/_sandbox/writes/contacts/4", token=None)[1]
    assert [w["properties"] for w in body["writes"]] == [{"jobtitle": "Seen"}]
    assert body["writes"][0]["source"] == "API"


def _fresh_search(sandbox):
    from datetime import UTC, datetime

    since = str(int(datetime.now(UTC).timestamp() * 1000) - 60_000)
    body = {"filterGroups": [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": since}]}]}
    return http(sandbox, "POST", "/crm/v3/objects/contacts/search", body)[1]["total"]


def test_a_profile_can_override_the_search_lag(sb):
    _update(sb, [{"id": "3", "properties": {"jobtitle": "Fresh"}}])
    sb.set_faults("search_lag_seconds=3600")
    assert _fresh_search(sb) == 0
    sb.set_faults("search_lag_seconds=0")
    assert _fresh_search(sb) == 1


def test_a_fresh_write_is_hidden_by_the_default_lag(sb):
    _update(sb, [{"id": "3", "properties": {"jobtitle": "Fresh"}}])
    assert _fresh_search(sb) == 0
    sb.set_search_lag(0)
    assert _fresh_search(sb) == 1


def test_a_reset_connection_gets_no_answer_and_has_no_effect(sb):
    sb.set_faults("rate_reset=1")
    api = client_for(sb).crm.contacts.batch_api
    with pytest.raises((urllib3.exceptions.ProtocolError, urllib3.exceptions.MaxRetryError)):
        api.update(BatchInputSimplePublicObjectBatchInput(inputs=[{"id": "5", "properties": {"jobtitle": "Never"}}]))
    sb.set_faults(None)
    assert sb.contact(5, ["jobtitle"])["jobtitle"] != "Never"
    assert sb.write_history(5) == []
    assert sb.requests()[-1] == ("POST", "/crm/v3/objects/contacts/batch/update", 0)
