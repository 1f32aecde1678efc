"""The demo's owner tasks: the tasks `LEADSCORE_OWNER_TASKS` would make for the leads the sync
turned hot (or MQL), by the same rule and with the same text as the sync's own notifier, shown
without making them (the demo's API calls stay those of the sync)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from rich.console import Console
from rich.table import Table

from connector.crm.base import LeadRecord, OwnerTask, score_field
from connector.notify.tasks import owner_task, turned
from connector.scoring.modelset import ModelSet, label_of
from connector.scoring.types import ScoreResult

SHOWN = 5


class TaskPreview:
    """Sees each scored lead (the demo's `on_result` hook) and keeps the tasks it calls for."""

    def __init__(self, kind: str, models: ModelSet, *, now: datetime, due_days: int) -> None:
        self.kind, self.model = kind, models.stage_model
        self.due = now + timedelta(days=due_days)
        self.tasks: list[OwnerTask] = []
        self.no_owner = 0

    def see(self, record: LeadRecord, results: Mapping[str, ScoreResult]) -> None:
        result = results[label_of(self.model)]
        old_label = record.written.get(score_field(self.model.key, "label"))
        moved = result.stage if result.stage != record.written.get("stage") else None  # to be written
        if not turned(self.kind, self.model, result, moved, old_label):
            return
        if record.owner:
            self.tasks.append(owner_task(self.kind, record, result, self.due))
        else:
            self.no_owner += 1

    def show(self, console: Console) -> None:
        what = "turned hot" if self.kind == "hot" else "entered MQL"
        console.print(f"[bold]Owner tasks[/] (LEADSCORE_OWNER_TASKS={self.kind}): {len(self.tasks)} would be "
                      f"made, one per lead that {what} in this sync, assigned to its owner; "
                      f"{self.no_owner} such leads have no owner and would get none")
        table = Table(title=f"The first {min(SHOWN, len(self.tasks))} tasks it would make", show_lines=True)
        for col in ("lead", "owner", "subject", "due", "notes (first lines)"):
            table.add_column(col)
        for task in sorted(self.tasks, key=lambda t: (len(t.lead_id), t.lead_id))[:SHOWN]:  # numeric ids in order
            notes = "\n".join(task.body.splitlines()[:3])
            table.add_row(task.lead_id, task.owner, task.subject, task.due.strftime("%Y-%m-%d"), notes)
        console.print(table)
