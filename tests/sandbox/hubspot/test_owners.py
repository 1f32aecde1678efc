"""The owners API through the official client (crm.owners.owners_api)."""

from __future__ import annotations

import pytest
from hubspot.crm.owners import ApiException


def test_owners_page_with_after(client):
    api = client.crm.owners.owners_api
    first = api.get_page(limit=3)
    rest = api.get_page(limit=3, after=first.paging.next.after)
    ids = [o.id for o in first.results + rest.results]
    assert len(ids) == len(set(ids)) == 4 and rest.paging is None


def test_an_owner_is_found_by_email_by_id_and_by_user_id(client):
    api = client.crm.owners.owners_api
    [grace] = api.get_page(email="GRACE@portal.example").results
    assert api.get_by_id(int(grace.id)).email == "grace@portal.example"
    assert api.get_by_id(grace.user_id, id_property="userId").id == grace.id


def test_an_unknown_owner_is_a_404(client):
    with pytest.raises(ApiException) as err:
        client.crm.owners.owners_api.get_by_id(5)
    assert err.value.status == 404
