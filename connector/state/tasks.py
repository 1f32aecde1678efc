"""The owner-task ledger: one row per lead and transition, so a lead's owner gets at most one task
for it, across crashes and restarts (schema step 7).

A row is written `pending`, with the whole task, before the task is made; `done` with the task's
id once it is; `no_owner` for a lead nobody owns. A pending row left by a killed run is finished by
the next one, which first looks for the task by its marker (it may have been made already).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from connector.crm.base import OwnerTask
from connector.state.schema import owner_tasks
from connector.state.store import StateStore

PENDING, DONE, NO_OWNER = "pending", "done", "no_owner"


@dataclass(frozen=True)
class TaskRow:
    task: OwnerTask
    status: str
    task_id: str | None


def _dump(task: OwnerTask) -> str:
    return json.dumps({"owner": task.owner, "subject": task.subject, "body": task.body,
                       "due": task.due.isoformat()}, sort_keys=True)


def _load(lead_id: str, kind: str, text: str) -> OwnerTask:
    data = json.loads(text)
    return OwnerTask(lead_id, kind, data["owner"], data["subject"], data["body"],
                     datetime.fromisoformat(data["due"]))


class TaskLedger:
    """The owner tasks of one portal in the state store."""

    def __init__(self, store: StateStore, portal: str) -> None:
        self.store = store
        self.key = store.key(portal)

    def _where(self, lead_id: str, kind: str) -> sa.ColumnElement[bool]:
        c = owner_tasks.c
        return (c.portal == self.key) & (c.lead_id == lead_id) & (c.kind == kind)

    def claim(self, task: OwnerTask, status: str, now: datetime) -> bool:
        """Record the lead's transition (`pending` or `no_owner`) unless it is recorded already;
        True when this call recorded it."""
        with self.store.engine.begin() as conn:
            if conn.execute(sa.select(owner_tasks.c.status).where(self._where(task.lead_id, task.kind))).first():
                return False
            try:
                conn.execute(owner_tasks.insert().values(
                    portal=self.key, lead_id=task.lead_id, kind=task.kind, status=status,
                    task=_dump(task), task_id=None, updated_at=now))
            except sa.exc.IntegrityError:  # another writer recorded it first
                return False
        return True

    def done(self, task: OwnerTask, task_id: str, now: datetime) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(owner_tasks.update().where(self._where(task.lead_id, task.kind))
                         .values(status=DONE, task_id=task_id, updated_at=now))

    def pending(self, lead_ids: list[str] | None = None) -> list[OwnerTask]:
        """The tasks recorded but not made yet (of these leads, or all)."""
        c = owner_tasks.c
        query = sa.select(c.lead_id, c.kind, c.task).where((c.portal == self.key) & (c.status == PENDING))
        if lead_ids is not None:
            query = query.where(c.lead_id.in_(lead_ids))
        with self.store.engine.connect() as conn:
            return [_load(r.lead_id, r.kind, r.task) for r in conn.execute(query.order_by(c.lead_id))]

    def rows(self) -> list[TaskRow]:
        """Every recorded transition of the portal (for status and tests)."""
        c = owner_tasks.c
        query = sa.select(c.lead_id, c.kind, c.task, c.status, c.task_id).where(c.portal == self.key)
        with self.store.engine.connect() as conn:
            return [TaskRow(_load(r.lead_id, r.kind, r.task), r.status, r.task_id)
                    for r in conn.execute(query.order_by(c.lead_id, c.kind))]
