"""Adapter branches no other test reached, each against the sandbox through the real client: the
engagement phase (an activity changed, its contact not), resuming a pass from its checkpoint, and
stopping when a batch keeps answering 207 for the same inputs."""

from __future__ import annotations

import json

import pytest
from hubspot import HubSpot
from hubspot.crm.objects import SimplePublicObjectInput

from connector.crm.errors import CrmUnavailable
from connector.scoring import load_model
from connector.crm.registry import open_adapter
from connector.sync.service import sync_once
from tests.sync.hubspot_helpers import MODEL, NOW, fast_portal, settings_for


@pytest.fixture
def sb():
    with fast_portal(60, 11) as sandbox:
        yield sandbox


@pytest.fixture
def cfg(sb, tmp_path):
    return settings_for(sb, tmp_path, retry_attempts=2)


def _meeting_of(sb) -> tuple[str, str]:
    for cid in range(1, 61):
        meetings = sb.store.associated("contacts", "meetings", cid)
        if meetings:
            return str(cid), str(meetings[0])
    raise AssertionError("the seeded portal has meetings")


def test_an_activity_changed_alone_rescores_its_contact_in_the_engagement_phase(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    _, meeting = _meeting_of(sb)
    api = HubSpot(access_token=sb.token, host=sb.url).crm.objects.basic_api
    outcome = api.get_by_id("meetings", meeting, properties=["hs_meeting_outcome"]).properties["hs_meeting_outcome"]
    api.update("meetings", meeting, SimplePublicObjectInput(
        properties={"hs_meeting_outcome": "NO_SHOW" if outcome == "COMPLETED" else "COMPLETED"}))
    sb.wait_for_search_index()
    report = sync_once(cfg, as_of=NOW)
    assert report.stats.scored == 1
    assert any(path == "/crm/v4/associations/meetings/contacts/batch/read" for _, path, _ in sb.requests())


def test_a_saved_pass_resumes_in_its_phase_after_its_last_id(sb, cfg):
    adapter = open_adapter(cfg, load_model(MODEL))
    checkpoint = json.dumps({"since": 0, "pass": {"full": False, "lo": 0, "hi": 10**13, "phase": "engagement",
                                                  "after": 30}})
    pages = list(adapter.iter_pages(checkpoint, full=False))
    read = [r.lead.id for page in pages for r in page.records]
    assert read and all(int(cid) > 30 for cid in read)
    assert not any(path == "/crm/v3/objects/contacts/search" for _, path, _ in sb.requests())


def test_a_batch_that_keeps_failing_the_same_inputs_stops_the_read(sb, cfg):
    adapter = open_adapter(cfg, load_model(MODEL))
    sb.set_faults("rate_partial=1")
    with pytest.raises(CrmUnavailable, match="kept failing"):
        adapter.read_leads([str(i) for i in range(1, 11)])
