"""A task for the lead's owner when the lead first turns hot, or first enters MQL
(LEADSCORE_OWNER_TASKS=hot|mql).

At most one task per lead and transition, across crashes and restarts: the transition is recorded
in the state store (`TaskLedger`) before the task is made, the task's id once it is; a task
carries a marker in its body, so one made by a run killed before it recorded the id is found
again, not made twice. The transition is seen by the model that moves the stage (the first of
several, unless another is marked), when its changed values are queued for writing; the task is
made after the lead's write succeeded, and a run finishes the pending tasks a killed run left.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from connector.crm.base import LeadRecord, OwnerTask, OwnerTasks
from connector.state.tasks import NO_OWNER, PENDING, TaskLedger
from connector.crm.text import format_reasons

if TYPE_CHECKING:
    from connector.scoring.compiled import ScoringModel
    from connector.scoring.types import ScoreResult

log = logging.getLogger(__name__)

MQL = "marketingqualifiedlead"


def _name(record: LeadRecord) -> str:
    props = record.lead.properties
    name = " ".join(p for p in (props.get("firstname"), props.get("lastname")) if p)
    return name or props.get("email") or record.lead.id


def turned(kind: str, model: ScoringModel, result: ScoreResult, stage: str | None,
           old_label: str | None) -> bool:
    """Whether this score moves the lead into `kind`: to its model's top label (hot) from another
    one, or to the MQL stage (`stage`: the stage about to be written; stages only move forward)."""
    if kind == "hot":
        top = model.label_names[0]
        return result.label == top and old_label != top
    return stage == MQL


def owner_task(kind: str, record: LeadRecord, result: ScoreResult, due: datetime) -> OwnerTask:
    """The task for a lead's owner: who it is and why (the reasons) in its notes."""
    what = "is a hot lead" if kind == "hot" else "became a marketing-qualified lead"
    body = (f"{_name(record)} {what} (fit {result.fit}, engagement {result.engagement}, "
            f"grade {result.grade}). Why:\n{format_reasons(result)}")
    return OwnerTask(record.lead.id, kind, record.owner or "", f"Follow up: {_name(record)} {what}", body, due)


class TaskNotifier:
    """Owner tasks for one pass: `noticed` for each scored lead, `written` after each write
    batch, `resume` at the start (the pending tasks of a killed run)."""

    def __init__(self, kind: str, model: ScoringModel, tasks: OwnerTasks, ledger: TaskLedger, *,
                 now: datetime, due_days: int, dry_run: bool = False) -> None:
        self.kind, self.model, self.tasks, self.ledger = kind, model, tasks, ledger
        self.now, self.due = now, now + timedelta(days=due_days)
        self.dry_run = dry_run
        self.counts: Counter = Counter()  # created, found (made by a killed run), no_owner, would_create

    def task_for(self, record: LeadRecord, result: ScoreResult) -> OwnerTask:
        return owner_task(self.kind, record, result, self.due)

    def noticed(self, record: LeadRecord, result: ScoreResult, stage: str | None,
                old_label: str | None, results: Mapping[str, ScoreResult] | None = None) -> None:
        """A lead scored by the model that moves the stage, with the stage about to be written
        and the label the CRM holds: record the task its transition calls for."""
        if not turned(self.kind, self.model, result, stage, old_label):
            return
        task = self.task_for(record, result)
        if self.dry_run:
            self.counts["would_create" if record.owner else "no_owner"] += 1
            return
        if self.ledger.claim_task(task, PENDING if record.owner else NO_OWNER, self.now) and not record.owner:
            self.counts["no_owner"] += 1
            log.info("lead %s turned %s but has no owner: no task", record.lead.id, self.kind)

    def written(self, lead_ids: Sequence[str]) -> None:
        """Make the pending tasks of leads just written."""
        if lead_ids and not self.dry_run:
            for task in self.ledger.pending(list(lead_ids)):
                self._deliver(task)

    def finish(self) -> None:
        """Nothing is left in flight: each task is made in `written`."""

    def resume(self) -> None:
        """Finish the tasks a killed run recorded but may not have made."""
        if self.dry_run:
            return
        for task in self.ledger.pending():
            self._deliver(task)

    def _deliver(self, task: OwnerTask) -> None:
        found = self.tasks.find(task)
        if found is not None:
            self.counts["found"] += 1
            log.info("task %s for lead %s was made by an earlier run; recorded now", found, task.lead_id)
            self.ledger.task_done(task, found, self.now)
            return
        task_id = self.tasks.create(task)
        self.counts["created"] += 1
        self.ledger.task_done(task, task_id, self.now)
