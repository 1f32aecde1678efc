"""Fixtures for the HubSpot sandbox contract tests: the real hubspot-api-client against a
sandbox on a loopback port. Read-only tests share one module-scoped portal; tests that write get
their own small one."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest
from hubspot import HubSpot

from connector.sandbox.hubspot import HubSpotSandbox

ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def shared():
    with HubSpotSandbox.start(contacts=300, seed=7, anchor=ANCHOR, rate_limit_per_10s=100_000, search_per_second=1000) as sb:
        yield sb


@pytest.fixture
def sandbox():
    with HubSpotSandbox.start(contacts=60, seed=11, anchor=ANCHOR, rate_limit_per_10s=100_000, search_per_second=1000) as sb:
        yield sb


def client_for(sb: HubSpotSandbox, token: str | None = None) -> HubSpot:
    return HubSpot(access_token=token or sb.token, host=sb.url)


@pytest.fixture
def client(shared):
    return client_for(shared)


@pytest.fixture
def wclient(sandbox):
    return client_for(sandbox)


def http(sb: HubSpotSandbox, method: str, path: str, body: object = None, token: str | None = "default",
         raw: bytes | None = None) -> tuple[int, dict, dict]:
    """Plain HTTP, as a user of the API would call what the client does not wrap."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(sb.url + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {sb.token if token == 'default' else token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, _decode(resp.read()), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, _decode(err.read()), dict(err.headers)


def _decode(payload: bytes) -> object:
    try:
        return json.loads(payload or b"null")
    except json.JSONDecodeError:
        return payload.decode("utf-8", "replace")
