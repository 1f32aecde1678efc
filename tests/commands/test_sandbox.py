"""`leadscore sandbox ...` as a user runs it: a subprocess that prints its URL and token, serves the
real client, and stops cleanly on SIGTERM; seed, reset and inspect on its data dir."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInput

CLI = [sys.executable, "-m", "connector"]


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADSCORE_")}
    return {**env, "LEADSCORE_DATA_DIR": str(tmp_path / "data")}


def _run(tmp_path, *args):
    return subprocess.run([*CLI, "sandbox", *args], capture_output=True, text=True, env=_env(tmp_path), cwd=tmp_path,
                          timeout=60)


class Served:
    def __init__(self, tmp_path, *args):
        self.proc = subprocess.Popen([*CLI, "sandbox", "serve", "--port", "0", *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=_env(tmp_path), cwd=tmp_path)
        self.lines = []
        for line in self.proc.stdout:
            self.lines.append(line.strip())
            if line.startswith("ready: "):
                break
        values = dict(line.split("=", 1) for line in self.lines if line.startswith("LEADSCORE_"))
        self.url, self.token = values["LEADSCORE_HUBSPOT_URL"], values["LEADSCORE_HUBSPOT_TOKEN"]

    def client(self):
        return HubSpot(access_token=self.token, host=self.url)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=10)
        return self.proc.returncode, out


def test_serve_prints_the_url_and_token_and_serves_the_client(tmp_path):
    served = Served(tmp_path, "--contacts", "30", "--seed", "4")
    try:
        assert served.url.startswith("http://127.0.0.1:")
        page = served.client().crm.contacts.basic_api.get_page(limit=100)
        assert len(page.results) == 30
    finally:
        code, out = served.stop()
    assert code == 0 and "sandbox stopped" in out


def test_serve_accepts_the_given_token(tmp_path):
    served = Served(tmp_path, "--contacts", "5", "--token", "pat-sandbox-mine")
    try:
        assert served.token == "pat-sandbox-mine"
        assert served.client().crm.contacts.basic_api.get_page(limit=1).results
    finally:
        served.stop()


def test_a_killed_server_restarts_with_its_writes_and_token(tmp_path):
    served = Served(tmp_path, "--contacts", "10")
    served.client().crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(
        inputs=[{"id": "2", "properties": {"jobtitle": "Survives a kill"}}]))
    served.proc.kill()
    served.proc.wait(timeout=10)
    again = Served(tmp_path)
    try:
        assert again.token == served.token
        contact = again.client().crm.contacts.basic_api.get_by_id("2", properties=["jobtitle"])
        assert contact.properties["jobtitle"] == "Survives a kill"
    finally:
        again.stop()


def test_serve_with_faults_says_so(tmp_path):
    served = Served(tmp_path, "--contacts", "5", "--faults", "rate_5xx=1")
    try:
        assert any(line.startswith("faults: {") for line in served.lines)
    finally:
        served.stop()


def test_a_bad_fault_profile_is_a_clear_error(tmp_path):
    result = _run(tmp_path, "serve", "--port", "0", "--contacts", "5", "--faults", "chaos")
    assert result.returncode == 1
    assert "unknown fault profile 'chaos'" in result.stderr


def test_seed_reset_and_inspect(tmp_path):
    assert _run(tmp_path, "seed", "--contacts", "25", "--seed", "3").returncode == 0
    served = Served(tmp_path)
    try:
        served.client().crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(
            inputs=[{"id": "7", "properties": {"jobtitle": "Inspected"}}]))
    finally:
        served.stop()
    requests = _run(tmp_path, "inspect")
    assert "/crm/v3/objects/contacts/batch/update" in requests.stdout
    writes = _run(tmp_path, "inspect", "--contact", "7")
    assert "jobtitle=Inspected" in writes.stdout
    assert _run(tmp_path, "reset").returncode == 0
    assert "jobtitle=Inspected" not in _run(tmp_path, "inspect", "--contact", "7").stdout


def test_reset_without_a_portal_is_a_clear_error(tmp_path):
    result = _run(tmp_path, "reset")
    assert result.returncode == 1
    assert "leadscore sandbox seed" in result.stderr


def test_reset_while_the_sandbox_serves_is_refused_saying_to_stop_it_first(tmp_path):
    served = Served(tmp_path, "--contacts", "10")
    try:
        result = _run(tmp_path, "reset")
        assert result.returncode == 1
        assert "is serving from" in result.stderr and f"pid {served.proc.pid}" in result.stderr
        assert "stop it" in result.stderr
        assert _run(tmp_path, "seed", "--contacts", "5").returncode == 1
    finally:
        served.stop()
    assert _run(tmp_path, "reset").returncode == 0


def test_a_killed_servers_mark_does_not_block_a_reset(tmp_path):
    served = Served(tmp_path, "--contacts", "10")
    served.proc.kill()
    served.proc.wait(timeout=10)
    assert _run(tmp_path, "reset").returncode == 0
