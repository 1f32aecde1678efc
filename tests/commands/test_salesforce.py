"""`leadscore setup salesforce` against the Salesforce sandbox, through the CLI in a subprocess."""

import os
import subprocess
import sys

import pytest

from connector.sandbox.salesforce import SalesforceSandbox


def run_setup(sandbox: SalesforceSandbox, tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADSCORE_")}
    env["COLUMNS"] = "500"  # rich wraps at the terminal width; keep messages on one line
    for key, value in sandbox.settings().items():
        env["LEADSCORE_" + key.upper()] = str(value)
    return subprocess.run([sys.executable, "-m", "connector", "setup", "salesforce", *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def bare_org():
    with SalesforceSandbox.start(people=0, leadscore_fields=False) as sb:
        yield sb


def test_missing_fields_are_named_with_the_fix(bare_org, tmp_path):
    result = run_setup(bare_org, tmp_path)
    assert result.returncode == 1
    assert "Lead.Leadscore_Fit__c does not exist" in result.stderr
    assert "leadscore setup salesforce --create" in result.stderr
    assert "Traceback" not in result.stderr


def test_create_makes_the_missing_fields_and_then_passes(bare_org, tmp_path):
    result = run_setup(bare_org, tmp_path, "--create")
    assert result.returncode == 0, result.stderr
    assert "created Lead.Leadscore_Stage__c" in result.stdout
    assert "Salesforce is ready" in result.stdout
    assert bare_org.store.catalog.get("Lead", "Leadscore_Reasons__c").type == "textarea"


def test_created_fields_without_edit_access_are_a_field_level_security_error(tmp_path):
    with SalesforceSandbox.start(people=0, leadscore_fields=False, grant_on_create=False) as sb:
        result = run_setup(sb, tmp_path, "--create")
    assert result.returncode == 1
    assert "Lead.Leadscore_Fit__c is not updateable by the integration user (field-level security)" in result.stderr


def test_sandbox_salesforce_serves_an_org_and_prints_how_to_reach_it(tmp_path):
    import signal

    import requests

    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADSCORE_")}
    server = subprocess.Popen([sys.executable, "-m", "connector", "sandbox", "salesforce", "--people", "40",
                               "--port", "0", "--data-dir", str(tmp_path / "org")], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        for line in server.stdout:
            lines.append(line.strip())
            if line.startswith("ready: "):
                break
        values = dict(line.split("=", 1) for line in lines if line.startswith("LEADSCORE_"))
        answer = requests.post(values["LEADSCORE_SALESFORCE_LOGIN_URL"] + "/services/oauth2/token",
                               verify=values["LEADSCORE_SALESFORCE_CA_BUNDLE"], data={
                                   "grant_type": "client_credentials",
                                   "client_id": values["LEADSCORE_SALESFORCE_CLIENT_ID"],
                                   "client_secret": values["LEADSCORE_SALESFORCE_CLIENT_SECRET"]})
        assert answer.status_code == 200 and answer.json()["access_token"]
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert server.returncode == 0, output
    assert "sandbox stopped" in output
