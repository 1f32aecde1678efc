"""The HTTP layer as urllib3 (under hubspot-api-client) uses it: keep-alive, across errors too."""

from __future__ import annotations

import pytest
from hubspot.crm.contacts import ApiException

from tests.sandbox.hubspot.conftest import client_for, http


# hubspot-api-client builds a new ApiClient (and urllib3 pool) on every `client.crm.contacts.basic_api`
# access, so these tests hold one api object, as a caller that wants keep-alive must.


def test_the_client_reuses_one_connection(sandbox):
    api = client_for(sandbox).crm.contacts.basic_api
    for _ in range(10):
        api.get_page(limit=5)
    assert sandbox.server.connections == 1


def test_error_responses_keep_the_connection_usable(sandbox):
    api = client_for(sandbox).crm.contacts.basic_api
    for _ in range(3):
        with pytest.raises(ApiException):
            api.get_by_id("999999")
        assert api.get_by_id("1").id == "1"
    assert sandbox.server.connections == 1


def test_a_refused_post_body_is_consumed_before_the_next_request(sandbox):
    api = client_for(sandbox, token="pat-na1-wrong").crm.contacts.batch_api
    for _ in range(3):
        with pytest.raises(ApiException) as err:
            api.read({"inputs": [{"id": "1"}], "properties": ["email"]})
        assert err.value.status == 401
    assert sandbox.server.connections == 1


def test_an_unknown_path_is_a_404_in_hubspots_shape(sandbox):
    status, body, _ = http(sandbox, "GET", "/crm/v3/objects/widgets")
    assert status == 404
    assert body["status"] == "error" and body["correlationId"]


def test_a_wrong_method_is_a_405(sandbox):
    status, _, _ = http(sandbox, "DELETE", "/crm/v3/objects/contacts/batch/read")
    assert status == 405


def test_a_body_that_is_not_json_is_a_validation_error(sandbox):
    status, body, _ = http(sandbox, "POST", "/crm/v3/objects/contacts/search", raw=b"{not json")
    assert status == 400
    assert body["category"] == "VALIDATION_ERROR"
