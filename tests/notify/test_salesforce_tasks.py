"""LEADSCORE_OWNER_TASKS=hot against the Salesforce sandbox: a Task on each Lead that turns hot,
for its OwnerId; none for a Lead a queue owns; never two, also after a run killed in between."""

from __future__ import annotations

import pytest

from connector.sandbox.salesforce import Faults, SalesforceSandbox
from connector.state.tasks import TaskLedger
from connector.sync.service import sync_once
from tests.sync.salesforce_helpers import ANCHOR, NOW, Clock, settings_for


@pytest.fixture
def sb():
    with SalesforceSandbox.start(people=150, seed=11, anchor=ANCHOR, clock=Clock(NOW)) as sandbox:
        yield sandbox


def hot_leads(sb) -> dict[str, str]:
    """Hot Lead id → its OwnerId."""
    found = {}
    for lead in sb.ids("Lead"):
        record = sb.record(lead)
        if record["Leadscore_Label__c"] == "hot":
            found[lead] = record["OwnerId"]
    return found


def tasks_of(sb, lead: str) -> list[dict]:
    return [t for t in (sb.store.get("Task", i) for i in sb.ids("Task")) if t["WhoId"] == lead and
            "[leadscore hot" in (t["Subject"] or "")]


def test_each_lead_that_turns_hot_gets_one_task_for_its_owner(sb, tmp_path):
    cfg = settings_for(sb, tmp_path, owner_tasks="hot")
    report = sync_once(cfg, full=True, as_of=NOW)
    hot = hot_leads(sb)
    people = {lead: owner for lead, owner in hot.items() if owner.startswith("005")}
    assert people and len(people) < len(hot), "some hot leads belong to a queue"
    assert report.tasks["created"] == len(people) and report.tasks["no_owner"] == len(hot) - len(people)
    for lead, owner in people.items():
        [task] = tasks_of(sb, lead)
        assert task["OwnerId"] == owner and task["Status"] == "Not Started" and task["Priority"] == "High"
        assert "Why:" in task["Description"] and str(task["ActivityDate"]).startswith("2026-03-03")
    assert sync_once(cfg, full=True, as_of=NOW).tasks["created"] == 0


def test_a_run_killed_between_making_a_task_and_recording_it_makes_no_second(sb, tmp_path, monkeypatch):
    cfg = settings_for(sb, tmp_path, owner_tasks="hot")
    real = TaskLedger.task_done

    def killed(self, task, task_id, now):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(TaskLedger, "task_done", killed)
    with pytest.raises(KeyboardInterrupt):
        sync_once(cfg, full=True, as_of=NOW)
    monkeypatch.setattr(TaskLedger, "task_done", real)
    report = sync_once(cfg, full=True, as_of=NOW)
    assert report.tasks["found"] == 1
    for lead, owner in hot_leads(sb).items():
        assert len(tasks_of(sb, lead)) == (1 if owner.startswith("005") else 0)


def test_a_task_whose_answer_was_lost_after_salesforce_made_it_is_not_made_twice(tmp_path, caplog):
    with SalesforceSandbox.start(people=150, seed=11, anchor=ANCHOR, clock=Clock(NOW),
                                 faults=Faults(seed=1, lost_rate=0.3)) as lossy:
        cfg = settings_for(lossy, tmp_path, owner_tasks="hot", retry_attempts=10)
        with caplog.at_level("INFO", logger="connector.crm"):
            sync_once(cfg, full=True, as_of=NOW)
        people = [lead for lead, owner in hot_leads(lossy).items() if owner.startswith("005")]
        assert people
        assert all(len(tasks_of(lossy, lead)) == 1 for lead in people), "a task was made twice"
    rechecked = [r.getMessage() for r in caplog.records
                 if r.getMessage().startswith("sobjects/Task: the answer was lost")]
    assert rechecked, "no Task answer was lost: pick another fault seed"
