"""Misconfigurations never show a secret: each one run through the real entry point, at DEBUG, in
text and JSON, with token shapes that no redaction pattern knows (not pat-..., not 00D...!..., not
key=value), so only the settings code itself can keep them out of the output."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass

import pytest

from connector import cli
from connector.sandbox.hubspot import HubSpotSandbox
from tests.sync.hubspot_helpers import MODEL

TOKEN = "Zx81-Qw7f#kLm2@90a~Tq"
HEX_SECRET = "7f3e9a0b1c2d4e5f6a7b8c9d0e1f2a3b"


def fragments(secret: str) -> list[str]:
    """The secret and every run of 4+ letters and digits in it: a part shown is a leak too."""
    return [secret, *re.findall(r"[A-Za-z0-9]{4,}", secret)]


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def leadscore(tmp_path, monkeypatch, capsys):
    """Run the real entry point (its error handling included) in this process, at DEBUG."""

    def run(*args: str, **variables: str) -> Done:
        for key in [k for k in os.environ if k.startswith("LEADSCORE_")]:
            monkeypatch.delenv(key)
        (tmp_path / "empty.env").write_text("")
        base = {"LEADSCORE_ENV_FILE": str(tmp_path / "empty.env"), "LEADSCORE_LOG_LEVEL": "DEBUG",
                "LEADSCORE_DATA_DIR": str(tmp_path / "data"), "LEADSCORE_MODEL_PATH": str(MODEL)}
        for key, value in {**base, **variables}.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setattr(sys, "argv", ["leadscore", *args])
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            cli.main()
            raise SystemExit(0)
        out, err = capsys.readouterr()
        return Done(exit_info.value.code, out, err)

    return run


MISCONFIGURATIONS = {
    "token-in-a-number": ({"LEADSCORE_HUBSPOT_RATE_LIMIT_PER_10S": TOKEN}, "LEADSCORE_HUBSPOT_RATE_LIMIT_PER_10S"),
    "token-in-a-boolean": ({"LEADSCORE_HUBSPOT_WEB_EVENTS": TOKEN}, "LEADSCORE_HUBSPOT_WEB_EVENTS"),
    "token-in-a-choice": ({"LEADSCORE_CRM": TOKEN}, "LEADSCORE_CRM"),
    "token-in-a-time": ({"LEADSCORE_AS_OF": TOKEN}, "LEADSCORE_AS_OF"),
    "token-in-a-json-setting": ({"LEADSCORE_SALESFORCE_LEAD_FIELDS": TOKEN}, "LEADSCORE_SALESFORCE_LEAD_FIELDS"),
    "token-in-the-portal-list": ({"LEADSCORE_PORTALS": TOKEN}, "LEADSCORE_PORTALS"),
    "token-in-the-cron": ({"LEADSCORE_FULL_RESCORE_CRON": TOKEN}, "LEADSCORE_FULL_RESCORE_CRON"),
    "token-with-a-newline": ({"LEADSCORE_HUBSPOT_TOKEN": TOKEN[:9] + "\n" + TOKEN[9:]}, "LEADSCORE_HUBSPOT_TOKEN"),
    "secret-with-a-space": ({"LEADSCORE_CRM": "salesforce", "LEADSCORE_SALESFORCE_AUTH": "client_credentials",
                             "LEADSCORE_SALESFORCE_CLIENT_SECRET": HEX_SECRET[:16] + " " + HEX_SECRET[16:]},
                            "LEADSCORE_SALESFORCE_CLIENT_SECRET"),
    "portal-token-in-a-number": ({"LEADSCORE_PORTALS": "acme", "LEADSCORE_PORTAL_ACME_HUBSPOT_TOKEN": HEX_SECRET,
                                  "LEADSCORE_PORTAL_ACME_HTTP_TIMEOUT_SECONDS": TOKEN},
                                 "LEADSCORE_PORTAL_ACME_HTTP_TIMEOUT_SECONDS"),
}


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("case", sorted(MISCONFIGURATIONS))
def test_a_misconfigured_sync_names_the_variable_and_shows_no_secret(leadscore, case, fmt):
    variables, named = MISCONFIGURATIONS[case]
    done = leadscore("sync", LEADSCORE_LOG_FORMAT=fmt, **variables)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert named in output and "Traceback" not in output
    for part in fragments(TOKEN) + fragments(HEX_SECRET):
        assert part not in output, case


@pytest.mark.parametrize("command", [["run", "--once"], ["status"], ["backtest", "--from-crm"]])
def test_every_command_refuses_a_token_with_a_newline_without_showing_it(leadscore, command):
    done = leadscore(*command, LEADSCORE_HUBSPOT_TOKEN=TOKEN[:9] + "\n" + TOKEN[9:])
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "LEADSCORE_HUBSPOT_TOKEN" in output, output
    assert not [part for part in fragments(TOKEN) if part in output]


def test_a_misspelt_secret_variable_is_named_but_its_value_never_shown(leadscore):
    done = leadscore("validate", LEADSCORE_HUBSPOT_TOKN=TOKEN)
    assert done.returncode == 0, done.stderr
    assert "LEADSCORE_HUBSPOT_TOKN is not a setting; did you mean LEADSCORE_HUBSPOT_TOKEN?" in done.stderr
    assert not [part for part in fragments(TOKEN) if part in done.stdout + done.stderr]


def test_a_token_the_crm_rejects_is_not_shown_at_debug(leadscore):
    with HubSpotSandbox.start(contacts=5, seed=3) as sb:
        done = leadscore("sync", LEADSCORE_HUBSPOT_URL=sb.url, LEADSCORE_HUBSPOT_TOKEN=TOKEN,
                         LEADSCORE_LOG_FORMAT="json", LEADSCORE_RETRY_MAX_WAIT_SECONDS="0.1")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "401" in output or "reject" in output, output
    assert "Traceback" not in output
    assert not [part for part in fragments(TOKEN) if part in output]
