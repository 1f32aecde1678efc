"""Salesforce payloads shaped as the REST API sends them (crm-api-facts, Salesforce), served by
`responses` to the real simple-salesforce."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses

from connector.crm.base import RunTimes
from connector.crm.salesforce.adapter import SalesforceAdapter
from connector.crm.salesforce.auth import OAuthToken, StaticToken
from connector.crm.salesforce.client import SalesforceClient
from connector.crm.salesforce.mapping import MappingConfig
from connector.settings import Settings

INSTANCE = "https://acme.my.salesforce.com"
BASE = INSTANCE + "/services/data/v65.0"
TOKEN = "00DTEST!AQ0AQEXAMPLEACCESSTOKENVALUE"
SERVER_DATE = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)


def sf_headers(used: int = 1000, limit: int = 100_000) -> dict[str, str]:
    return {
        "Sforce-Limit-Info": f"api-usage={used}/{limit}",
        "Date": format_datetime(SERVER_DATE, usegmt=True),
    }


def lead(record_id: str, stamp: str = "2026-11-19T10:00:00.000+0000", **fields: object) -> dict:
    row = {
        "attributes": {"type": "Lead", "url": f"/services/data/v65.0/sobjects/Lead/{record_id}"},
        "Id": record_id, "SystemModstamp": stamp, "LastModifiedById": "005000000000001AAA",
        "Email": f"{record_id.lower()}@example.com", "FirstName": "Ada", "LastName": "Byron",
        "Title": "VP Sales", "Company": "Initech", "Industry": "Software", "NumberOfEmployees": 250,
        "AnnualRevenue": 12500000.0, "Country": "Germany", "LeadSource": "Web", "Status": "Open - Not Contacted",
        "Leadscore_Fit__c": None, "Leadscore_Engagement__c": None, "Leadscore_Label__c": None,
        "Leadscore_Grade__c": None, "Leadscore_Reasons__c": None, "Leadscore_Model__c": None,
        "Leadscore_Scored_At__c": None, "Leadscore_Stage__c": None,
    }
    row.update(fields)
    return row


def query_result(records: list[dict], next_url: str | None = None) -> dict:
    body = {"totalSize": len(records), "done": next_url is None, "records": records}
    if next_url:
        body["nextRecordsUrl"] = next_url
    return body


def error_body(code: str, message: str, fields: list[str] | None = None) -> list[dict]:
    return [{"message": message, "errorCode": code, "fields": fields or []}]


class Org:
    """Routes SOQL by its FROM clause to canned answers and keeps every query it saw."""

    def __init__(self, rsps: responses.RequestsMock) -> None:
        self.rsps = rsps
        self.queries: list[str] = []
        self.urls: list[str] = []
        self.answers: dict[str, list[dict]] = {}
        for path in ("/query/", "/queryAll/"):
            rsps.add_callback(responses.GET, BASE + path, callback=self._query, content_type="application/json")

    def answer(self, sobject: str, *pages: dict) -> None:
        self.answers[sobject] = list(pages)

    def _query(self, request: requests.PreparedRequest):
        self.urls.append(request.url)
        soql = parse_qs(urlparse(request.url).query)["q"][0]
        self.queries.append(soql)
        sobject = soql.split(" FROM ")[1].split()[0]
        pages = self.answers.get(sobject) or [query_result([])]
        body = pages[0] if len(pages) == 1 else pages.pop(0)
        return 200, sf_headers(), json.dumps(body)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


NO_WAIT = {"attempts": 3, "sleep": lambda seconds: None}


@pytest.fixture
def client(rsps) -> SalesforceClient:
    return SalesforceClient(StaticToken(TOKEN, INSTANCE), requests.Session(), api_version="65.0", **NO_WAIT)


@pytest.fixture
def config() -> MappingConfig:
    return MappingConfig.from_settings(Settings(_env_file=None))


@pytest.fixture
def adapter(client, config) -> SalesforceAdapter:
    adapter = SalesforceAdapter(client, config)
    adapter.start_pass(RunTimes(SERVER_DATE, SERVER_DATE))
    return adapter


def oauth_client() -> SalesforceClient:
    session = requests.Session()
    tokens = OAuthToken(session, INSTANCE, "3MVG9-consumer-key", client_secret="consumer-secret")
    return SalesforceClient(tokens, session, api_version="65.0", **NO_WAIT)


def token_answer(access_token: str) -> dict:
    return {
        "access_token": access_token, "instance_url": INSTANCE,
        "id": "https://login.salesforce.com/id/00D000000000001EAA/005000000000009AAA",
        "token_type": "Bearer", "issued_at": "1763640000000", "signature": "c2lnbmF0dXJl",
    }
