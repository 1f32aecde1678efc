"""The notification ledger: one row per lead and transition (an owner task "hot" or "mql", a
webhook event "webhook:hot" ...), so each is made at most once, across crashes and restarts
(schema step 9).

A row is written `pending`, with the whole payload (the task, the event), before it is sent;
`done` with the task's id (or the event's answer) once it is; `no_owner` for a task whose lead
nobody owns. A pending row left by a killed run is finished by the next one (an owner task is
first looked for by its marker: it may have been made already).
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
class Entry:
    """One recorded transition: what is (or was) to be sent, its status and its reference."""

    lead_id: str
    kind: str
    payload: dict
    status: str
    ref: str | None = None


@dataclass(frozen=True)
class TaskRow:
    task: OwnerTask
    status: str
    task_id: str | None


def task_payload(task: OwnerTask) -> dict:
    return {"owner": task.owner, "subject": task.subject, "body": task.body,
            "due": task.due.isoformat()}


def task_of(entry: Entry) -> OwnerTask:
    data = entry.payload
    return OwnerTask(entry.lead_id, entry.kind, data["owner"], data["subject"], data["body"],
                     datetime.fromisoformat(data["due"]))


class Ledger:
    """The recorded transitions of one portal in the state store (any kind)."""

    def __init__(self, store: StateStore, portal: str) -> None:
        self.store = store
        self.key = store.key(portal)

    def _where(self, lead_id: str, kind: str) -> sa.ColumnElement[bool]:
        c = owner_tasks.c
        return (c.portal == self.key) & (c.lead_id == lead_id) & (c.kind == kind)

    def claim(self, lead_id: str, kind: str, payload: dict, status: str, now: datetime) -> bool:
        """Record the lead's transition (`pending` or `no_owner`) unless it is recorded already;
        True when this call recorded it."""
        with self.store.engine.begin() as conn:
            if conn.execute(sa.select(owner_tasks.c.status).where(self._where(lead_id, kind))).first():
                return False
            try:
                conn.execute(owner_tasks.insert().values(
                    portal=self.key, lead_id=lead_id, kind=kind, status=status,
                    task=json.dumps(payload, sort_keys=True), task_id=None, updated_at=now))
            except sa.exc.IntegrityError:  # another writer recorded it first
                return False
        return True

    def done(self, lead_id: str, kind: str, ref: str, now: datetime) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(owner_tasks.update().where(self._where(lead_id, kind))
                         .values(status=DONE, task_id=ref, updated_at=now))

    def entries(self, kinds: list[str], lead_ids: list[str] | None = None, *,
                status: str | None = PENDING) -> list[Entry]:
        """The transitions of these kinds (of these leads, or all) with this status (None: any)."""
        c = owner_tasks.c
        query = sa.select(c.lead_id, c.kind, c.task, c.status, c.task_id).where(
            (c.portal == self.key) & c.kind.in_(kinds))
        if status is not None:
            query = query.where(c.status == status)
        if lead_ids is not None:
            query = query.where(c.lead_id.in_(lead_ids))
        with self.store.engine.connect() as conn:
            return [Entry(r.lead_id, r.kind, json.loads(r.task), r.status, r.task_id)
                    for r in conn.execute(query.order_by(c.lead_id, c.kind))]


class TaskLedger(Ledger):
    """The owner tasks of one portal."""

    KINDS = ["hot", "mql"]

    def claim_task(self, task: OwnerTask, status: str, now: datetime) -> bool:
        return self.claim(task.lead_id, task.kind, task_payload(task), status, now)

    def task_done(self, task: OwnerTask, task_id: str, now: datetime) -> None:
        self.done(task.lead_id, task.kind, task_id, now)

    def pending(self, lead_ids: list[str] | None = None) -> list[OwnerTask]:
        """The tasks recorded but not made yet (of these leads, or all)."""
        return [task_of(e) for e in self.entries(self.KINDS, lead_ids)]

    def rows(self) -> list[TaskRow]:
        """Every recorded owner task of the portal (for status and tests)."""
        return [TaskRow(task_of(e), e.status, e.ref) for e in self.entries(self.KINDS, status=None)]
