"""`leadscore sync`'s log: JSON lines only with LEADSCORE_LOG_FORMAT=json, the libraries' DEBUG
lines at DEBUG, no third-party INFO noise by default, and no secret anywhere in its output.

The sync runs as the real command in a subprocess, against both sandboxes at once (two portals
of LEADSCORE_PORTALS, one HubSpot, one Salesforce). Its HTTP library is made to log every
request's header values and form values at DEBUG, as a verbose HTTP library does (http.client's
debug mode prints headers), so each secret reaches a library DEBUG record bare, in a shape the
pattern rules alone do not catch: only the configured-value redaction can remove it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import quote

import pytest

from connector.sandbox.hubspot import HubSpotSandbox
from connector.sandbox.salesforce import SalesforceSandbox
from tests.sync.hubspot_helpers import ANCHOR, MODEL, NOW, ROOT
from tests.sync.workers import empty_env_file

HUBSPOT_TOKEN = "Qm9vdHN0cmFw.4f1c#ab29@e7d0~portal"  # the bearer pattern stops at '#'
SALESFORCE_SECRET = "sf:Consumer!Secret#2026&more"  # only ever sent form-encoded

VERBOSE_HTTP = """
import logging, sys
from urllib.parse import parse_qsl
import urllib3.connectionpool as pool

_urlopen = pool.HTTPConnectionPool.urlopen

def urlopen(self, method, url, body=None, headers=None, **kwargs):
    log = logging.getLogger("urllib3.connectionpool")
    log.debug("request header values: %s", list((headers or {}).values()))
    if isinstance(body, (str, bytes)):
        text = body.decode() if isinstance(body, bytes) else body
        log.debug("request form values: %s", [value for _, value in parse_qsl(text)])
    return _urlopen(self, method, url, body=body, headers=headers, **kwargs)

pool.HTTPConnectionPool.urlopen = urlopen
from connector.cli import main
sys.argv = ["leadscore", *sys.argv[1:]]
main()
"""


@pytest.fixture
def sandboxes():
    with HubSpotSandbox.start(contacts=40, seed=3, token=HUBSPOT_TOKEN, anchor=ANCHOR,
                              rate_limit_per_10s=5000, search_per_second=500) as hubspot, \
            SalesforceSandbox.start(people=40, seed=3, anchor=ANCHOR) as salesforce:
        salesforce.org.client_secret = SALESFORCE_SECRET
        yield hubspot, salesforce


def two_portals(hubspot, salesforce, tmp_path, **shared: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADSCORE_")}
    env.update({
        "LEADSCORE_PORTALS": "hs,sf", "LEADSCORE_DATA_DIR": str(tmp_path / "data"),
        "LEADSCORE_MODEL_PATH": str(MODEL), "LEADSCORE_AS_OF": NOW.isoformat(),
        "LEADSCORE_FULL_RESCORE_HOURS": "0", "LEADSCORE_ENV_FILE": str(empty_env_file(tmp_path)),
        "LEADSCORE_HUBSPOT_RATE_LIMIT_PER_10S": "5000", "LEADSCORE_HUBSPOT_SEARCH_PER_SECOND": "500",
        "LEADSCORE_PORTAL_HS_CRM": "hubspot", "LEADSCORE_PORTAL_HS_HUBSPOT_URL": hubspot.url,
        "LEADSCORE_PORTAL_HS_HUBSPOT_TOKEN": HUBSPOT_TOKEN,
        **{f"LEADSCORE_PORTAL_SF_{k.upper()}": str(v) for k, v in salesforce.settings().items()},
        **{f"LEADSCORE_{k.upper()}": v for k, v in shared.items()},
    })
    return env


def sync(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", VERBOSE_HTTP, "sync", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def json_lines(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines()]  # raises on any other line


def test_sync_at_debug_logs_library_lines_as_json_with_every_secret_redacted(sandboxes, tmp_path):
    hubspot, salesforce = sandboxes
    done = sync(two_portals(hubspot, salesforce, tmp_path, log_level="DEBUG", log_format="json"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "portal hs: incremental sync done: read 40" in done.stdout
    assert "portal sf: incremental sync done: read" in done.stdout
    lines = json_lines(done.stderr)
    urllib3 = [line["message"] for line in lines if line["logger"].startswith("urllib3")]
    assert any('"POST /crm/v3/objects/contacts/search' in m for m in urllib3)  # urllib3's own line
    assert any("/services/data/" in m for m in urllib3)
    assert any("request header values" in m and "[REDACTED]" in m for m in urllib3)
    assert any("request form values" in m and "[REDACTED]" in m for m in urllib3)
    everything = done.stdout + done.stderr
    for secret in (HUBSPOT_TOKEN, "#ab29@e7d0", SALESFORCE_SECRET, quote(SALESFORCE_SECRET), "Secret#2026"):
        assert secret not in everything
    state = (tmp_path / "data" / "leadscore.sqlite").read_bytes()
    assert HUBSPOT_TOKEN.encode() not in state and SALESFORCE_SECRET.encode() not in state


def test_sync_at_the_default_level_shows_no_third_party_info_lines(sandboxes, tmp_path):
    hubspot, salesforce = sandboxes
    done = sync(two_portals(hubspot, salesforce, tmp_path, log_format="json"), "--portal", "hs")
    assert done.returncode == 0, done.stderr[-3000:]
    loggers = {line["logger"] for line in json_lines(done.stderr)}
    assert loggers and all(name.startswith("connector") for name in loggers), loggers
