"""Contract tests: generated well-formed and malformed requests to every route the sandbox serves.

Whatever arrives (wrong JSON types, missing and extra fields, huge ids, odd bytes, huge bodies,
wrong methods), the sandbox answers as HubSpot could: never a 5xx without a fault profile, errors
in HubSpot's error shape, 2xx bodies that the official client deserializes with validation on
(tests/sandbox/hubspot/shapes.py). hypothesis draws the requests; each test is bounded by
`max_examples` so the suite stays within seconds.
"""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.hubspot.catalog import EMPLOYEE_RANGES, LIFECYCLE_STAGES, OBJECT_TYPES
from tests.sandbox.hubspot.conftest import ANCHOR
from tests.sandbox.hubspot.shapes import check_answer

CONTACTS = 30
BOUNDED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "TRACE", "OPTIONS", "HEAD")
PROPS = ("email", "firstname", "jobtitle", "numemployees", "annualrevenue", "lifecyclestage", "createdate",
         "hs_object_id", "lastmodifieddate", "hs_analytics_num_page_views", "nosuchproperty")
OPERATORS = ("EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY",
             "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN")
# Filters whose value suits the property's type.
FILTERS = (("hs_object_id", "10"), ("hs_analytics_num_page_views", "3"), ("lifecyclestage", "lead"),
           ("createdate", "2025-06-01T00:00:00Z"), ("lastmodifieddate", "1751328000000"), ("email", "*@gmail.com"),
           ("numemployees", "25-50"), ("jobtitle", "director"))
# Every route, with an id or name where it takes one (malformed tests fill them in oddly).
PATHS = (
    "/crm/v3/objects/{type}", "/crm/v3/objects/{type}/batch/read", "/crm/v3/objects/{type}/batch/update",
    "/crm/v3/objects/{type}/search", "/crm/v3/objects/{type}/{id}", "/crm/v3/properties/{type}",
    "/crm/v3/properties/{type}/{id}", "/crm/v3/properties/{type}/groups", "/crm/v3/properties/{type}/groups/{id}",
    "/crm/v4/associations/contacts/{type}/batch/read", "/crm/v4/objects/contacts/{id}/associations/{type}",
    "/events/v3/events", "/crm/v3/owners", "/crm/v3/owners/{id}",
)
BODY_PATHS = [p for p in PATHS if "batch" in p or "search" in p or p.endswith(("{type}", "groups"))]


@pytest.fixture(scope="module")
def sb():
    with HubSpotSandbox.start(contacts=CONTACTS, seed=3, anchor=ANCHOR, rate_limit_per_10s=10**9,
                              daily_limit=10**9, search_per_second=10**6) as sandbox:
        yield sandbox


def send(sb: HubSpotSandbox, method: str, path: str, body: Any = None, *, raw: bytes | None = None,
         content_type: str = "application/json") -> tuple[int, Any]:
    """One request over a fresh connection; the answer checked against HubSpot's shapes."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=20)
    headers = {"Authorization": f"Bearer {sb.token}"}
    if data is not None:
        headers["Content-Type"] = content_type
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        answer_headers = dict(response.getheaders())
    finally:
        conn.close()
    parsed = json.loads(payload) if payload else None
    check_answer(method, path.split("?")[0], response.status, parsed, answer_headers)
    return response.status, parsed


# -- well-formed requests -------------------------------------------------------------------

object_types = st.sampled_from(OBJECT_TYPES)
engagements = st.sampled_from([t for t in OBJECT_TYPES if t != "contacts"])
ids = st.integers(1, CONTACTS + 5).map(str)
names = st.lists(st.sampled_from(PROPS), max_size=4)
contact_values = st.fixed_dictionaries({}, optional={
    "jobtitle": st.text(max_size=30), "numemployees": st.sampled_from(EMPLOYEE_RANGES),
    "lifecyclestage": st.sampled_from(LIFECYCLE_STAGES), "annualrevenue": st.sampled_from(("12,000,000", "$2.5M", "")),
})


def _query(**params: Any) -> str:
    return urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)


@st.composite
def well_formed(draw: st.DrawFn) -> tuple[str, str, Any]:
    kind, t, cid = draw(st.integers(0, 11)), draw(object_types), draw(ids)
    if kind == 0:
        return "GET", f"/crm/v3/objects/{t}?" + _query(limit=draw(st.integers(1, 100)), properties=draw(names),
                                                        associations=draw(st.sampled_from([None, "emails", "contacts"])),
                                                        propertiesWithHistory=draw(st.sampled_from([None, "jobtitle"]))), None
    if kind == 1:
        return "GET", f"/crm/v3/objects/contacts/{cid}?" + _query(properties=draw(names)), None
    if kind == 2:
        body = {"inputs": [{"id": i} for i in draw(st.lists(ids, max_size=5))], "properties": draw(names)}
        if draw(st.booleans()):
            body["propertiesWithHistory"] = ["lifecyclestage"]
        return "POST", f"/crm/v3/objects/{t}/batch/read", body
    if kind == 3:
        inputs = [{"id": i, "properties": draw(contact_values)} for i in draw(st.lists(ids, max_size=4, unique=True))]
        return "POST", "/crm/v3/objects/contacts/batch/update", {"inputs": inputs}
    if kind == 4:
        op = draw(st.sampled_from(OPERATORS))
        prop, value = draw(st.sampled_from(FILTERS))
        flt = {"propertyName": prop, "operator": op, "value": value, "highValue": "1759276800000", "values": [value]}
        body = {"filterGroups": [{"filters": [flt]}], "properties": draw(names), "limit": draw(st.integers(1, 200)),
                "sorts": draw(st.sampled_from([[], [{"propertyName": "hs_object_id", "direction": "DESCENDING"}]]))}
        return "POST", "/crm/v3/objects/contacts/search", body
    if kind == 5:
        return "GET", f"/crm/v3/properties/{t}", None
    if kind == 6:
        return "GET", f"/crm/v3/properties/contacts/{draw(st.sampled_from(PROPS))}", None
    if kind == 7:
        return "GET", f"/crm/v3/properties/{t}/groups", None
    if kind == 8:
        return "POST", f"/crm/v4/associations/contacts/{draw(engagements)}/batch/read", {
            "inputs": [{"id": i} for i in draw(st.lists(ids, max_size=5))]}
    if kind == 9:
        return "GET", f"/crm/v4/objects/contacts/{cid}/associations/{draw(engagements)}?" + _query(
            limit=draw(st.integers(1, 500)), after=draw(st.sampled_from([None, "0", "40000000010"]))), None
    if kind == 10:
        return "GET", "/events/v3/events?" + _query(objectType="contact", objectId=cid, limit=draw(st.integers(1, 100)),
                                                    sort=draw(st.sampled_from([None, "occurredAt", "-occurredAt"]))), None
    return "GET", "/crm/v3/owners?" + _query(limit=draw(st.integers(1, 100))), None


@BOUNDED
@given(request=well_formed())
def test_well_formed_requests_get_answers_in_hubspot_shapes(sb, request):
    method, path, body = request
    status, _ = send(sb, method, path, body)
    assert status in (200, 201, 207, 404), (method, path, status)


# -- malformed requests ---------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
# Bodies shaped like the real ones, with any JSON in their fields.
shaped = st.fixed_dictionaries({}, optional={
    "inputs": json_values | st.lists(json_values | st.fixed_dictionaries({}, optional={
        "id": json_values, "properties": json_values, "after": json_values}), max_size=3),
    "filterGroups": json_values | st.lists(st.fixed_dictionaries({}, optional={"filters": json_values | st.lists(
        st.dictionaries(st.sampled_from(("propertyName", "operator", "value", "values", "highValue")), json_values),
        max_size=3)}), max_size=3),
    "properties": json_values, "propertiesWithHistory": json_values, "sorts": json_values, "limit": json_values,
    "after": json_values, "query": json_values, "idProperty": json_values, "name": json_values, "label": json_values,
    "type": json_values, "fieldType": json_values, "groupName": json_values, "options": json_values,
    "displayOrder": json_values,
})
odd_ids = (st.text(min_size=1, max_size=30) | st.integers(-(2**80), 2**80).map(str)
           | st.sampled_from(["99999999999999999999999", "0", "-1", "1e3", "%00", "a%40b.com", "..", "%2F"]))


def _fill(template: str, type_: str, id_: str) -> str:
    return template.replace("{type}", type_).replace("{id}", quote(id_, safe="%@"))


@BOUNDED
@given(path=st.sampled_from(BODY_PATHS), type_=object_types, body=shaped | json_values)
def test_malformed_bodies_never_get_a_5xx(sb, path, type_, body):
    send(sb, "POST", _fill(path, type_, "1"), body)


@BOUNDED
@given(path=st.sampled_from(PATHS), type_=object_types | st.text(max_size=8), id_=odd_ids,
       query=st.dictionaries(st.sampled_from(("limit", "after", "properties", "idProperty", "associations",
                                              "propertiesWithHistory", "archived", "objectId", "objectType",
                                              "occurredAfter", "sort", "eventType")),
                             st.text(max_size=25) | st.integers(-(2**70), 2**70).map(str), max_size=4))
def test_odd_ids_and_query_values_never_get_a_5xx(sb, path, type_, id_, query):
    filled = _fill(path, quote(type_, safe=""), id_)
    send(sb, "GET", filled + ("?" + urlencode(query) if query else ""))


@BOUNDED
@given(method=st.sampled_from(METHODS), path=st.sampled_from(PATHS), type_=object_types)
def test_any_method_on_any_route_is_answered_in_shape(sb, method, path, type_):
    send(sb, method, _fill(path, type_, "1"), {} if method in ("POST", "PUT", "PATCH") else None)


@BOUNDED
@given(path=st.sampled_from(BODY_PATHS), raw=st.binary(max_size=200),
       content_type=st.sampled_from(("application/json", "text/plain", "application/json; charset=utf-8")))
def test_odd_bytes_never_get_a_5xx(sb, path, raw, content_type):
    send(sb, "POST", _fill(path, "contacts", "1"), raw=raw, content_type=content_type)


@pytest.mark.parametrize("size", [3_001, 1_000_000])
def test_huge_bodies_are_refused_in_shape(sb, size):
    body = {"filterGroups": [], "query": "x" * size}
    status, answer = send(sb, "POST", "/crm/v3/objects/contacts/search", body)
    assert status == 400 and answer["category"] == "VALIDATION_ERROR"


def test_a_url_past_the_limit_is_a_414(sb):
    status, _ = send(sb, "GET", "/crm/v3/objects/contacts?" + _query(properties=["jobtitle"] * 1000))
    assert status == 414


@BOUNDED
@given(body=json_values)
def test_the_admin_fault_switch_refuses_odd_profiles_without_a_5xx(sb, body):
    data = json.dumps(body).encode()
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=20)
    try:
        conn.request("PUT", "/_sandbox/faults", body=data, headers={"Content-Type": "application/json"})
        status = conn.getresponse().status
    finally:
        conn.close()
        sb.set_faults(None)
    assert status in (200, 400)
