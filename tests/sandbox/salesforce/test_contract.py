"""Contract tests of the Salesforce sandbox: generated well-formed and malformed requests to every
route (wrong types, missing and extra fields, odd bytes, huge bodies, wrong methods, mutated SOQL)
never get a 5xx without a fault profile, and every 4xx carries Salesforce's error array
(docs/crm-api-facts.md, Salesforce › Auth, versions, errors)."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector.sandbox.salesforce import SalesforceSandbox

CLOCK = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
CONTRACT = settings(max_examples=200, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
V = "/services/data/v65.0"


class Client:
    """Raw HTTPS to the sandbox (http.client: any method, path and body, unlike simple-salesforce)."""

    def __init__(self, sandbox: SalesforceSandbox) -> None:
        self.port = int(sandbox.url.rsplit(":", 1)[1])
        self.context = ssl.create_default_context(cafile=str(sandbox.ca_bundle))
        self.token = sandbox.new_token()

        self.conn: http.client.HTTPSConnection | None = None

    def send(self, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """One request on a kept-alive connection (a new one after the server closed it)."""
        if self.conn is None:
            self.conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=30)
        try:
            self.conn.request(method, path, body=body, headers={
                "Authorization": f"Bearer {self.token}", "Content-Type": "application/json", **(headers or {})})
            answer = self.conn.getresponse()
            result = answer.status, dict(answer.getheaders()), answer.read()
        except BaseException:
            self.close()
            raise
        if answer.will_close:
            self.close()
        return result

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def assert_salesforce_answer(method: str, status: int, headers: dict[str, str], body: bytes,
                             oauth: bool = False) -> None:
    """No 5xx; a 4xx says Salesforce's error array (the OAuth token endpoint: OAuth's own error)."""
    assert status < 500, (status, body[:300])
    if 400 <= status < 500 and oauth and status != 405:
        error = json.loads(body)
        assert isinstance(error["error"], str) and isinstance(error["error_description"], str)
    elif 400 <= status < 500 and method != "HEAD":
        errors = json.loads(body)
        assert isinstance(errors, list) and errors, body[:300]
        for error in errors:
            assert isinstance(error.get("errorCode"), str) and isinstance(error.get("message"), str), error
    if status == 405:
        assert headers.get("Allow")


@pytest.fixture(scope="module")
def sandbox():
    with SalesforceSandbox.start(people=0, clock=lambda: CLOCK) as sb:
        sb.leads = [sb.add_lead(Email=f"p{n}@acme.com", NumberOfEmployees=10 * n or None) for n in range(5)]
        sb.add_task(sb.leads[0])
        yield sb


@pytest.fixture(scope="module")
def client(sandbox):
    client = Client(sandbox)
    yield client
    client.close()


# -- strategies --------------------------------------------------------------------------------------

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)
ODD_TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
METHODS = st.sampled_from(["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS", "TRACE", "BREW"])
PATHS = st.sampled_from([
    f"{V}/limits", f"{V}/query", f"{V}/queryAll", f"{V}/query/01g5e0000000001-2000", f"{V}/sobjects/Lead/describe",
    f"{V}/sobjects/lead/describe", f"{V}/sobjects/Nope/describe", f"{V}/composite/sobjects",
    f"{V}/tooling/sobjects/CustomField", f"{V}/jobs/ingest", f"{V}/jobs/ingest/750x", f"{V}/jobs/ingest/750x/batches",
    f"{V}/jobs/ingest/750x/failedResults", "/services/data/", "/services/oauth2/token", "/services/oauth2/userinfo",
    f"{V}/", "/", "/services/data/v65.0/sobjects/Lead/describe/extra", "/services/data/vX/limits",
])
BODIES = st.one_of(st.none(), JSON.map(lambda v: json.dumps(v).encode()), st.binary(max_size=200),
                   ODD_TEXT.map(str.encode))

FIELDS = {  # Lead fields by kind, and literals of that kind
    "text": (["Email", "LastName", "Company", "Country", "Status", "LeadSource", "Industry", "Title"],
             st.text(max_size=12).map(lambda t: "'" + t.replace("\\", "\\\\").replace("'", "\\'") + "'")),
    "number": (["NumberOfEmployees", "AnnualRevenue", "Leadscore_Fit__c"],
               st.integers(-10**6, 10**6).map(str) | st.floats(-1e6, 1e6).map(lambda f: f"{f:.2f}")),
    "boolean": (["IsConverted", "HasOptedOutOfEmail", "IsDeleted"], st.sampled_from(["true", "FALSE", "True"])),
    "datetime": (["SystemModstamp", "CreatedDate", "LastModifiedDate"],
                 st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2999, 1, 1))
                 .map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")) | st.sampled_from(["TODAY", "LAST_N_DAYS:30"])),
    "id": (["Id", "ConvertedContactId"], st.sampled_from(["'00Q5e0000000001'", "'00Q5e0000000001EAA'", "null"])),
}


@st.composite
def well_formed_soql(draw) -> str:
    conditions = []
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(sorted(FIELDS)))
        names, literals = FIELDS[kind]
        ops = ["=", "!="] if kind in ("boolean", "id") else ["=", "!=", "<", "<=", ">", ">="]
        conditions.append(f"{draw(st.sampled_from(names))} {draw(st.sampled_from(ops))} {draw(literals)}")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    order = draw(st.sampled_from(["", " ORDER BY Id", " ORDER BY NumberOfEmployees DESC NULLS LAST, Id",
                                  " ORDER BY Email ASC NULLS FIRST"]))
    tail = draw(st.sampled_from(["", " LIMIT 3", " LIMIT 2 OFFSET 1", " OFFSET 4"]))
    select = draw(st.sampled_from(["Id, Email", "COUNT()", "Id, ConvertedContact.Email", "id, EMAIL, Status"]))
    if select == "COUNT()":
        order = ""
    return f"SELECT {select} FROM Lead{where}{order}{tail}"


LEADSCORE_SOQL = [
    "SELECT Id, SystemModstamp, LastModifiedById, Email FROM Lead WHERE IsConverted = false AND "
    "SystemModstamp >= 2026-11-01T00:00:00Z AND LastModifiedById != '0055e0000000001AAA' ORDER BY SystemModstamp, Id",
    "SELECT WhoId FROM Task WHERE SystemModstamp >= 2026-11-01T00:00:00Z AND WhoId != null",
    "SELECT Id, LeadId, ContactId, Status, HasResponded, Campaign.Name FROM CampaignMember "
    "WHERE LeadId IN ('00Q5e0000000001EAA')",
    "SELECT Id, WhoId, TaskSubtype FROM Task WHERE IsClosed = true AND WhoId >= '00Q5e0000000001EAA' "
    "AND WhoId <= '00Q5e0000000009EAA'",
]


@st.composite
def mutated_soql(draw) -> str:
    soql = draw(st.sampled_from(LEADSCORE_SOQL))
    words = soql.split(" ")
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(words) - 1))
        action = draw(st.sampled_from(["drop", "dup", "swap", "odd", "quote", "case"]))
        if action == "drop" and len(words) > 1:
            words.pop(at)
        elif action == "dup":
            words.insert(at, words[at])
        elif action == "swap":
            other = draw(st.integers(0, len(words) - 1))
            words[at], words[other] = words[other], words[at]
        elif action == "odd":
            words[at] = draw(ODD_TEXT)
        elif action == "quote":
            words[at] = f"'{words[at]}'"
        else:
            words[at] = words[at].swapcase()
    return " ".join(words)


def query(client: Client, soql: str, route: str = "query") -> tuple[int, dict[str, str], bytes]:
    return client.send("GET", f"{V}/{route}?q={quote(soql, safe='')}")


# -- properties ----------------------------------------------------------------------------------------


@CONTRACT
@given(method=METHODS, path=PATHS, body=BODIES)
def test_any_method_path_and_body_gets_a_salesforce_answer(client, method, path, body):
    assert_salesforce_answer(method, *client.send(method, path, body), oauth=path == "/services/oauth2/token")


@CONTRACT
@given(soql=well_formed_soql())
def test_a_well_formed_query_is_answered(client, soql):
    status, headers, body = query(client, soql)
    assert status == 200, (soql, body[:300])
    assert isinstance(json.loads(body)["totalSize"], int)


@CONTRACT
@given(soql=mutated_soql() | ODD_TEXT, route=st.sampled_from(["query", "queryAll"]))
def test_a_mutated_query_is_answered_or_refused_as_an_org_does(client, soql, route):
    status, headers, body = query(client, soql, route)
    assert_salesforce_answer("GET", status, headers, body)
    if status >= 400:
        assert json.loads(body)[0]["errorCode"] in (
            "MALFORMED_QUERY", "INVALID_FIELD", "INVALID_TYPE", "INVALID_QUERY_FILTER_OPERATOR",
            "NUMBER_OUTSIDE_VALID_RANGE")


RECORD = st.fixed_dictionaries(
    {"attributes": st.one_of(st.just({"type": "Lead"}), JSON), "id": st.one_of(st.just("00Q5e0000000001EAA"), JSON)},
    optional={"Leadscore_Fit__c": JSON, "Leadscore_Label__c": JSON, "Leadscore_Scored_At__c": JSON,
              "HasOptedOutOfEmail": JSON, "Nope__c": JSON})


@CONTRACT
@given(body=st.fixed_dictionaries({}, optional={"allOrNone": JSON, "records": st.lists(RECORD, max_size=4) | JSON}))
def test_a_collections_write_of_any_shape_is_answered(client, body):
    status, headers, answer = client.send("PATCH", f"{V}/composite/sobjects", json.dumps(body).encode())
    assert_salesforce_answer("PATCH", status, headers, answer)
    if status == 200:
        assert all(isinstance(r["success"], bool) for r in json.loads(answer))


@CONTRACT
@given(full_name=st.one_of(st.just("Lead.Extra_Field__c"), JSON), metadata=st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(["Text", "Number", "Nope"]) | JSON}, optional={
        "length": JSON, "label": JSON}), JSON))
def test_a_custom_field_request_of_any_shape_is_answered(client, full_name, metadata):
    body = json.dumps({"FullName": full_name, "Metadata": metadata}).encode()
    assert_salesforce_answer("POST", *client.send("POST", f"{V}/tooling/sobjects/CustomField", body))


@CONTRACT
@given(spec=st.one_of(st.just({"object": "Lead", "operation": "update", "contentType": "CSV"}), JSON),
       batch=st.one_of(st.just(b"Id,Leadscore_Fit__c\n00Q5e0000000001EAA,5\n"), st.binary(max_size=120),
                       ODD_TEXT.map(lambda t: f"Id,Leadscore_Fit__c,Nope\n{t}\n".encode())),
       state=st.one_of(st.just({"state": "UploadComplete"}), JSON))
def test_a_bulk_job_of_any_shape_is_answered(client, spec, batch, state):
    status, headers, body = client.send("POST", f"{V}/jobs/ingest", json.dumps(spec).encode())
    assert_salesforce_answer("POST", status, headers, body)
    if status != 200:
        return
    job = f"{V}/jobs/ingest/{json.loads(body)['id']}"
    assert_salesforce_answer("PUT", *client.send("PUT", f"{job}/batches", batch, {"Content-Type": "text/csv"}))
    assert_salesforce_answer("PATCH", *client.send("PATCH", job, json.dumps(state).encode()))
    assert_salesforce_answer("GET", *client.send("GET", f"{job}/failedResults"))


@CONTRACT
@given(segment=ODD_TEXT, header=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40))
def test_odd_path_bytes_and_headers_are_answered(client, segment, header):
    path = f"{V}/sobjects/{quote(segment, safe='')}/describe"
    assert_salesforce_answer("GET", *client.send("GET", path, headers={"Sforce-Query-Options": header}))
    assert_salesforce_answer("GET", *client.send("GET", f"{V}/query/{quote(segment, safe='')}"))


def test_a_huge_body_is_refused_with_413_before_it_is_read(client):
    conn = http.client.HTTPSConnection("127.0.0.1", client.port, context=client.context, timeout=30)
    try:
        conn.putrequest("PATCH", f"{V}/composite/sobjects")
        conn.putheader("Authorization", f"Bearer {client.token}")
        conn.putheader("Content-Length", str(17 * 1024 * 1024))
        conn.endheaders()
        answer = conn.getresponse()
        status, body = answer.status, answer.read()
    finally:
        conn.close()
    assert status == 413 and json.loads(body)[0]["errorCode"] == "REQUEST_ENTITY_TOO_LARGE"


def test_a_uri_over_16_kb_is_refused_with_414(client):
    soql = "SELECT Id FROM Lead WHERE Id IN (" + ",".join(["'00Q5e0000000001EAA'"] * 900) + ")"
    status, headers, body = query(client, soql)
    assert status == 414 and json.loads(body)[0]["errorCode"] == "URI_TOO_LONG"


def test_a_wrong_method_is_405_with_allow(client):
    status, headers, body = client.send("DELETE", f"{V}/limits")
    assert (status, headers["Allow"], json.loads(body)[0]["errorCode"]) == (405, "GET", "METHOD_NOT_ALLOWED")


def test_a_garbage_request_line_gets_a_json_400(client):
    with socket.create_connection(("127.0.0.1", client.port), timeout=10) as raw, \
            client.context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(b"GARBAGE\r\n\r\n")
        answer = b""
        while chunk := tls.recv(4096):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.") and b" 400 " in head.split(b"\r\n")[0]
    assert json.loads(body)[0]["errorCode"] == "BAD_REQUEST"
