"""Tasks for contact owners (LEADSCORE_OWNER_TASKS), through the tasks object API.

A task is `POST /crm/v3/objects/tasks` with its properties (`hs_timestamp` the due date,
`hs_task_subject`, `hs_task_body`, `hs_task_status`, `hs_task_priority`, `hs_task_type`,
`hubspot_owner_id`) and an association to the contact (HubSpot-defined type 204, task to
contact): docs/crm-api-facts.md, HubSpot › Tasks. A task made before a crash is found again
through the contact's associated tasks (the v4 associations, not search, which lags behind new
records) and the marker in its body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connector.crm.base import OwnerTask
from connector.crm.hubspot import reader
from connector.crm.hubspot.client import Response

if TYPE_CHECKING:
    from connector.crm.hubspot.client import HubSpotClient

TASK_TO_CONTACT = 204  # HubSpot-defined association type id, task → contact


def task_body(task: OwnerTask) -> dict:
    """The create request for `task`, attached to its contact and assigned to its owner."""
    return {
        "properties": {
            "hs_timestamp": str(int(task.due.timestamp() * 1000)),  # ms since the epoch
            "hs_task_subject": task.subject,
            "hs_task_body": f"{task.body}\n\n{task.marker}",
            "hs_task_status": "NOT_STARTED",
            "hs_task_priority": "HIGH",
            "hs_task_type": "TODO",
            "hubspot_owner_id": task.owner,
        },
        "associations": [{"to": {"id": task.lead_id}, "types": [
            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": TASK_TO_CONTACT}]}],
    }


class HubSpotTasks:
    """`OwnerTasks` for HubSpot contacts."""

    def __init__(self, client: HubSpotClient) -> None:
        self.client = client

    def find(self, task: OwnerTask) -> str | None:
        linked = reader.associated_ids(self.client, "contacts", "tasks", [task.lead_id]).get(task.lead_id, [])
        if not linked:
            return None
        for found in reader.batch_read(self.client, "tasks", linked, ["hs_task_body"]):
            if task.marker in ((found.get("properties") or {}).get("hs_task_body") or ""):
                return str(found["id"])
        return None

    def create(self, task: OwnerTask) -> str:
        """Make the task; should its answer be lost after sending, the retry policy first looks
        for it by its marker and sends it again only when it is not there (a POST is not
        idempotent: docs/crm-api-facts.md, Writing)."""
        def recheck() -> Response | None:
            found = self.find(task)
            return None if found is None else Response(201, {}, {"id": found})

        response = self.client.call("POST /crm/v3/objects/tasks",
                                    self.client.objects_basic.create_with_http_info, "tasks",
                                    task_body(task), recheck=recheck)
        return str(response.body["id"])
