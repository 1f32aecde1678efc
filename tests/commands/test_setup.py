"""`leadscore setup hubspot` against the HubSpot sandbox, through the CLI in a subprocess
(`setup salesforce` is tested beside the Salesforce sandbox command, test_salesforce.py)."""

import os
import subprocess
import sys

from connector.sandbox.hubspot import HubSpotSandbox


def test_setup_hubspot_names_the_missing_properties_then_creates_them(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADSCORE_")}
    env["COLUMNS"] = "500"
    with HubSpotSandbox.start(contacts=5) as sb:
        env.update(LEADSCORE_HUBSPOT_URL=sb.url, LEADSCORE_HUBSPOT_TOKEN=sb.token, LEADSCORE_DATA_DIR=str(tmp_path))

        def setup(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "connector", "setup", "hubspot", *args],
                                  cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)

        before, created, after = setup(), setup("--create"), setup()
    assert before.returncode == 1 and "Traceback" not in before.stderr
    assert "contact property leadscore_fit does not exist" in before.stderr
    assert "leadscore setup hubspot --create" in before.stderr
    assert created.returncode == 0, created.stderr
    assert "done: create property leadscore_fit" in created.stdout
    assert after.returncode == 0 and "HubSpot is ready" in after.stdout
