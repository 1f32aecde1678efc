"""`leadscore demo --crm salesforce`: the seeded Salesforce sandbox, a full sync, the summary."""

from __future__ import annotations

import re

from tests.sandbox.demo.test_demo_hubspot import run_demo


def test_demo_syncs_the_seeded_salesforce_sandbox_and_shows_a_lead(tmp_path, monkeypatch):
    out = run_demo(tmp_path, monkeypatch, "--crm", "salesforce", "--contacts", "150")
    read = int(re.search(r"read (\d+), scored \1, changed \1, written \1, failed 0", out).group(1))
    assert 120 < read < 150  # the customers among the 150 people are Contacts, not Leads
    used, floor = map(int, re.search(r"API calls: (\d+) used, (\d+) the fewest", out).groups())
    assert floor <= used <= floor * 1.1
    assert re.search(r"Lead 00Q\w{15} in Salesforce, as a rep sees it", out)
    assert "Leadscore_Label__c: hot" in out and "Rating: Hot" in out
    assert not (tmp_path / "data").exists()
