"""LEADSCORE_OWNER_TASKS=hot against the HubSpot sandbox: one task per contact that turns hot,
assigned to its owner, never two, also when the run dies between making a task and recording it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hubspot import HubSpot

from connector.state import StateStore, default_url
from connector.state.tasks import DONE, NO_OWNER, TaskLedger
from connector.sync.service import sync_once
from tests.sync.hubspot_helpers import NOW, contact_ids, fast_portal, settings_for


@pytest.fixture
def sb():
    with fast_portal(150, 5) as sandbox:
        yield sandbox


@pytest.fixture
def cfg(sb, tmp_path):
    return settings_for(sb, tmp_path, owner_tasks="hot")


def hot_contacts(sb) -> dict[str, str | None]:
    """Hot contact id → its owner id (None: nobody owns it)."""
    found = {}
    for cid in contact_ids(sb):
        props = sb.contact(cid, ["leadscore_label", "hubspot_owner_id"])
        if props["leadscore_label"] == "hot":
            found[cid] = props["hubspot_owner_id"]
    return found


def tasks_of(sb, cid: str) -> list[dict]:
    """The contact's tasks, read through the API as a rep's tools would."""
    client = HubSpot(access_token=sb.token, host=sb.url)
    links = client.crm.associations.v4.basic_api.get_page("contacts", cid, "tasks").results
    return [client.crm.objects.basic_api.get_by_id(
        "tasks", str(link.to_object_id),
        properties=["hs_task_subject", "hs_task_body", "hubspot_owner_id", "hs_timestamp",
                    "hs_task_status"]).properties for link in links]


def test_every_contact_that_turns_hot_gets_one_task_for_its_owner(sb, cfg):
    report = sync_once(cfg, full=True, as_of=NOW)
    hot = hot_contacts(sb)
    owned = {cid: owner for cid, owner in hot.items() if owner}
    assert owned and len(owned) < len(hot), "the seeded portal has hot leads with and without owners"
    assert report.tasks["created"] == len(owned) and report.tasks["no_owner"] == len(hot) - len(owned)
    for cid, owner in owned.items():
        [task] = tasks_of(sb, cid)
        assert task["hubspot_owner_id"] == owner and task["hs_task_status"] == "NOT_STARTED"
        assert "is a hot lead" in task["hs_task_subject"]
        assert f"[leadscore hot {cid}]" in task["hs_task_body"] and "Why:\n+" in task["hs_task_body"]
        assert task["hs_timestamp"].startswith((NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    for cid in set(hot) - set(owned):
        assert tasks_of(sb, cid) == []


def test_a_second_sync_creates_no_task(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    again = sync_once(cfg, full=True, as_of=NOW)
    assert again.tasks["created"] == 0
    assert all(len(tasks_of(sb, cid)) == 1 for cid, owner in hot_contacts(sb).items() if owner)


def test_a_run_killed_after_making_a_task_before_recording_it_makes_no_second(sb, cfg, monkeypatch):
    real = TaskLedger.task_done
    calls = []

    def killed_after_three(self, task, task_id, now):
        calls.append(task.lead_id)
        if len(calls) == 3:
            raise KeyboardInterrupt("killed between making the task and recording it")
        real(self, task, task_id, now)

    monkeypatch.setattr(TaskLedger, "task_done", killed_after_three)
    with pytest.raises(KeyboardInterrupt):
        sync_once(cfg, full=True, as_of=NOW)
    monkeypatch.setattr(TaskLedger, "task_done", real)
    report = sync_once(cfg, full=True, as_of=NOW)
    assert report.tasks["found"] >= 1  # the killed run's task, found by its marker
    owned = [cid for cid, owner in hot_contacts(sb).items() if owner]
    assert all(len(tasks_of(sb, cid)) == 1 for cid in owned)
    with StateStore.open(default_url(cfg.data_dir)) as store:
        rows = TaskLedger(store, cfg.portal).rows()
    assert {r.task.lead_id for r in rows if r.status == DONE} == set(owned)
    assert all(r.task_id for r in rows if r.status == DONE)
    assert all(not r.task.owner for r in rows if r.status == NO_OWNER)


def test_a_dry_run_counts_the_tasks_it_would_make_and_makes_none(sb, cfg):
    report = sync_once(cfg, full=True, dry_run=True, as_of=NOW)
    assert report.tasks["would_create"] > 0
    assert not any(p.endswith("/objects/tasks") for _, p, _ in sb.requests())
