"""The CRM search API through the real client: operators, groups, sorts, paging, limits, the cap."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from dateutil.parser import isoparse
from hubspot.crm.contacts import ApiException, PublicObjectSearchRequest

from connector.sandbox.hubspot import HubSpotSandbox
from tests.sandbox.hubspot.conftest import ANCHOR, client_for, http


def _search(client, filters=None, groups=None, **kwargs):
    if groups is None:
        groups = [{"filters": filters}] if filters else []
    kwargs.setdefault("limit", 200)
    body = PublicObjectSearchRequest(filter_groups=groups, **kwargs)
    return client.crm.contacts.search_api.do_search(body)


def _all(shared, names):
    return shared.store.read_many("contacts", names, [str(i) for i in range(1, 301)])


def _ids(result):
    return {c.id for c in result.results}


def _expected(shared, name, predicate):
    return {cid for cid, c in _all(shared, [name]).items() if predicate(c["properties"][name])}


def _ms(value):
    return int(isoparse(value).timestamp() * 1000)


def test_eq_matches_text_ignoring_case(client, shared):
    result = _search(client, [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "CUSTOMER"}])
    assert _ids(result) == _expected(shared, "lifecyclestage", lambda v: v == "customer")
    assert result.total == len(_ids(result)) > 0


def test_neq_excludes_the_value(client, shared):
    result = _search(client, [{"propertyName": "lifecyclestage", "operator": "NEQ", "value": "lead"}], limit=200,
                     properties=["lifecyclestage"])
    assert result.total == len(_expected(shared, "lifecyclestage", lambda v: v != "lead"))
    assert all(c.properties["lifecyclestage"] != "lead" for c in result.results)


def test_number_comparisons(client, shared):
    for op, pred in (("GT", lambda v: v > 100), ("GTE", lambda v: v >= 100), ("LT", lambda v: v < 100),
                     ("LTE", lambda v: v <= 100)):
        result = _search(client, [{"propertyName": "hs_analytics_num_page_views", "operator": op, "value": "100"}])
        assert result.total == len(_expected(shared, "hs_analytics_num_page_views", lambda v: v is not None and pred(float(v)))), op


def test_between_is_inclusive_on_dates_in_epoch_ms(client, shared):
    low, high = "1751328000000", "1759276800000"  # 2025-07-01 .. 2025-10-01
    result = _search(client, [{"propertyName": "createdate", "operator": "BETWEEN", "value": low, "highValue": high}])
    expected = _expected(shared, "createdate", lambda v: int(low) <= _ms(v) <= int(high))
    assert result.total == len(expected) > 0


def test_date_filters_accept_iso_values(client, shared):
    result = _search(client, [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": "2025-12-01T00:00:00Z"}])
    expected = _expected(shared, "lastmodifieddate", lambda v: v >= "2025-12-01T00:00:00.000Z")
    assert result.total == len(expected) > 0


def test_in_and_not_in(client, shared):
    stages = ["customer", "opportunity"]
    inside = _search(client, [{"propertyName": "lifecyclestage", "operator": "IN", "values": stages}])
    outside = _search(client, [{"propertyName": "lifecyclestage", "operator": "NOT_IN", "values": stages}])
    assert inside.total == len(_expected(shared, "lifecyclestage", lambda v: v in stages))
    assert inside.total + outside.total == 300


def test_has_and_not_has_property(client):
    has = _search(client, [{"propertyName": "hs_email_last_click_date", "operator": "HAS_PROPERTY"}])
    lacks = _search(client, [{"propertyName": "hs_email_last_click_date", "operator": "NOT_HAS_PROPERTY"}])
    assert has.total > 0 and lacks.total > 0
    assert has.total + lacks.total == 300


def test_contains_token_matches_words_and_wildcards(client, shared):
    word = _search(client, [{"propertyName": "jobtitle", "operator": "CONTAINS_TOKEN", "value": "director"}])
    assert word.total == len(_expected(shared, "jobtitle", lambda v: v is not None and "director" in v.lower().split()))
    wild = _search(client, [{"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@gmail.com"}])
    assert wild.total == len(_expected(shared, "email", lambda v: v is not None and v.lower().endswith("@gmail.com")))
    negated = _search(client, [{"propertyName": "email", "operator": "NOT_CONTAINS_TOKEN", "value": "*@gmail.com"}])
    assert wild.total + negated.total == 300


def test_filters_in_a_group_are_anded_and_groups_ored(client, shared):
    both = _search(client, [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"},
                            {"propertyName": "hs_analytics_num_page_views", "operator": "GT", "value": "50"}])
    either = _search(client, groups=[
        {"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"}]},
        {"filters": [{"propertyName": "hs_analytics_num_page_views", "operator": "GT", "value": "50"}]}])
    rows = _all(shared, ["lifecyclestage", "hs_analytics_num_page_views"])
    big = {i for i, c in rows.items() if c["properties"]["hs_analytics_num_page_views"] and float(c["properties"]["hs_analytics_num_page_views"]) > 50}
    cust = {i for i, c in rows.items() if c["properties"]["lifecyclestage"] == "customer"}
    assert both.total == len(big & cust)
    assert either.total == len(big | cust)


def test_sort_descending_by_modified_date_then_pages_in_order(client):
    seen, after = [], None
    while True:
        page = _search(client, sorts=[{"propertyName": "lastmodifieddate", "direction": "DESCENDING"}],
                       properties=["lastmodifieddate"], limit=70, after=after)
        seen.extend((c.properties["lastmodifieddate"], c.id) for c in page.results)
        if page.paging is None:
            break
        after = page.paging.next.after
    assert len(seen) == 300 and len({i for _, i in seen}) == 300
    assert [d for d, _ in seen] == sorted((d for d, _ in seen), reverse=True)


def test_sort_given_as_a_string_as_the_client_model_types_it(client):
    page = _search(client, sorts=["hs_object_id"], limit=5)
    assert [c.id for c in page.results] == ["1", "2", "3", "4", "5"]


def test_keyset_paging_on_object_id(client):
    page = _search(client, [{"propertyName": "hs_object_id", "operator": "GT", "value": "295"}], sorts=["hs_object_id"])
    assert [c.id for c in page.results] == ["296", "297", "298", "299", "300"]


def test_free_text_query_searches_default_fields(client, shared):
    email = shared.contact(10, ["email"])["email"]
    result = _search(client, query=email)
    assert "10" in _ids(result)


@pytest.mark.parametrize("body,fragment", [
    ({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}] * 6}, "filter groups"),
    ({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 7}]}, "in a group"),
    ({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}] * 4}] * 5}, "18"),
    ({"limit": 201}, "limit"),
    ({"sorts": ["email", "firstname"]}, "one sort"),
    ({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "LIKE", "value": "x"}]}]}, "operator"),
    ({"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "EQ", "value": "x"}]}]}, "nope"),
])
def test_search_limits_are_validation_errors(shared, body, fragment):
    status, answer, _ = http(shared, "POST", "/crm/v3/objects/contacts/search", body)
    assert status == 400
    assert answer["category"] == "VALIDATION_ERROR"
    assert fragment in answer["message"]


def test_a_body_over_3000_characters_is_refused(shared):
    body = {"filterGroups": [{"filters": [{"propertyName": "email", "operator": "IN", "values": ["x" * 40] * 80}]}]}
    status, answer, _ = http(shared, "POST", "/crm/v3/objects/contacts/search", body)
    assert status == 400
    assert "3000" in answer["message"]


def test_search_responses_carry_no_rate_limit_headers(shared):
    _, _, headers = http(shared, "POST", "/crm/v3/objects/contacts/search", {"limit": 1})
    assert not [h for h in headers if h.lower().startswith("x-hubspot-ratelimit")]


@pytest.fixture(scope="module")
def big():
    """A portal with 10,050 contacts; all but the first are bare rows, inserted directly (the cap
    is about search, not about what the contacts hold)."""
    with HubSpotSandbox.start(contacts=1, seed=3, anchor=ANCHOR, rate_limit_per_10s=100_000,
                              search_per_second=1000) as sb:
        created = int(ANCHOR.timestamp() * 1000)
        with sb.store.tx() as db:
            db.executemany("INSERT INTO obj_contacts (_id, _created, _updated, email) VALUES (?, ?, ?, ?)",
                           [(i, created, created, f"bulk{i}@example.com") for i in range(2, 10_051)])
        yield sb


def test_paging_stops_at_10000_results_with_the_true_total(big):
    client = client_for(big)
    page = _search(client, after="9900", limit=200)
    assert page.total == 10_050
    assert len(page.results) == 100
    assert page.paging is None


def test_paging_past_10000_is_a_400(big):
    client = client_for(big)
    with pytest.raises(ApiException) as err:
        _search(client, after="10000", limit=10)
    assert err.value.status == 400
    assert json.loads(err.value.body)["category"] == "VALIDATION_ERROR"


def test_keyset_paging_reaches_past_the_cap(big):
    client = client_for(big)
    page = _search(client, [{"propertyName": "hs_object_id", "operator": "GT", "value": "10000"}], sorts=["hs_object_id"])
    assert page.total == 50
    assert page.results[-1].id == "10050"


def test_a_fresh_write_is_searched_as_it_was_until_indexed(wclient, sandbox):
    from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInput

    before = sandbox.contact(9, ["jobtitle"])["jobtitle"]
    wclient.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(
        inputs=[{"id": "9", "properties": {"jobtitle": "Chief Scoring Officer"}}]))
    stale = _search(wclient, [{"propertyName": "hs_object_id", "operator": "EQ", "value": "9"}], properties=["jobtitle"])
    assert [c.properties["jobtitle"] for c in stale.results] == [before]
    sandbox.wait_for_search_index()
    fresh = _search(wclient, [{"propertyName": "hs_object_id", "operator": "EQ", "value": "9"}], properties=["jobtitle"])
    assert [c.properties["jobtitle"] for c in fresh.results] == ["Chief Scoring Officer"]


def test_search_finds_an_api_write_by_its_modified_date(wclient, sandbox):
    since = int(datetime.now(UTC).timestamp() * 1000) - 1
    from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInput

    wclient.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(
        inputs=[{"id": "9", "properties": {"jobtitle": "Chief Scoring Officer"}}]))
    sandbox.wait_for_search_index()
    result = _search(wclient, [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(since)}])
    assert _ids(result) == {"9"}


def test_contains_token_ignores_case_beyond_ascii(wclient, sandbox):
    sandbox.set_contact(7, {"lastname": "Ölafsdóttir Smith"})
    sandbox.wait_for_search_index()
    result = _search(wclient, [{"propertyName": "lastname", "operator": "CONTAINS_TOKEN", "value": "ölafsdóttir"}])
    assert "7" in _ids(result)


def _listing(client, page_size=7):
    """Every contact with a lastname, paged by offset, sorted by a property the page does not
    return: (total, [(id, jobtitle)])."""
    found, after, total = [], None, None
    while True:
        page = _search(client, [{"propertyName": "lastname", "operator": "HAS_PROPERTY"}], limit=page_size,
                       after=after, sorts=[{"propertyName": "lastname", "direction": "ASCENDING"}],
                       properties=["jobtitle"])
        total = page.total
        found += [(c.id, c.properties["jobtitle"]) for c in page.results]
        if page.paging is None:
            return total, found
        after = page.paging.next.after


def test_pending_writes_leave_totals_order_and_pages_as_they_were(wclient, sandbox):
    sandbox.wait_for_search_index()
    before = _listing(wclient)
    moved, cleared = before[1][-1][0], before[1][0][0]
    sandbox.set_contact(int(moved), {"jobtitle": "Chief Scoring Officer", "lastname": "AAA"})
    sandbox.set_contact(int(cleared), {"lastname": ""})
    assert _listing(wclient) == before
    sandbox.wait_for_search_index()
    total, after = _listing(wclient)
    assert total == before[0] - 1
    assert after[0] == (moved, "Chief Scoring Officer")
    assert cleared not in {cid for cid, _ in after}


def _window_ids(client):
    """Every contact modified since the epoch, by keyset pages on hs_object_id."""
    found, last = [], 0
    while True:
        page = _search(client, [{"propertyName": "hs_object_id", "operator": "GT", "value": str(last)},
                                {"propertyName": "lastmodifieddate", "operator": "GTE", "value": "0"},
                                {"propertyName": "lastmodifieddate", "operator": "LT", "value": "9999999999999"}],
                       limit=25, sorts=["hs_object_id"])
        found += [c.id for c in page.results]
        if not page.results:
            return page.total, found
        last = int(page.results[-1].id)


def test_pages_walked_in_id_order_find_what_sorted_pages_find(client, monkeypatch):
    from connector.sandbox.hubspot import store

    sorted_pages = _window_ids(client)
    monkeypatch.setattr(store, "SORT_AT_MOST", 5)
    assert _window_ids(client) == sorted_pages
    assert sorted_pages[1] == [str(i) for i in range(1, 301)]
