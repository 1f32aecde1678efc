"""Tasks for Lead and Contact owners (LEADSCORE_OWNER_TASKS): a Task on the record (`WhoId`),
assigned to its `OwnerId`, due on `ActivityDate` (docs/crm-api-facts.md, Salesforce › Objects
leadscore reads and writes). The marker goes in the Subject, which SOQL can filter on (a long
text area such as Description cannot be filtered), so a Task made before a crash is found again.
"""

from __future__ import annotations

from connector.crm.base import OwnerTask
from connector.crm.salesforce.client import SalesforceClient

SUBJECT_MAX = 255  # Task.Subject is a 255-character text field
DESCRIPTION_MAX = 32_000  # Task.Description (Comments) holds 32,000 characters


def task_fields(task: OwnerTask) -> dict:
    subject = task.subject[: SUBJECT_MAX - len(task.marker) - 1]
    return {"WhoId": task.lead_id, "OwnerId": task.owner, "Subject": f"{subject} {task.marker}",
            "Description": task.body[:DESCRIPTION_MAX], "ActivityDate": task.due.date().isoformat(),
            "Status": "Not Started", "Priority": "High"}


class SalesforceTasks:
    """`OwnerTasks` for Salesforce Leads and Contacts."""

    def __init__(self, client: SalesforceClient) -> None:
        self.client = client

    def find(self, task: OwnerTask) -> str | None:
        # Ids are letters and digits; the marker adds brackets and spaces: nothing to escape.
        rows = self.client.query(f"SELECT Id FROM Task WHERE WhoId = '{task.lead_id}' "
                                 f"AND Subject LIKE '%{task.marker}%'")
        return str(rows[0]["Id"]) if rows else None

    def create(self, task: OwnerTask) -> str:
        """Make the Task; should its answer be lost after sending, the retry policy first looks
        for it by its marker and sends it again only when it is not there (a POST is not
        idempotent: docs/crm-api-facts.md, Salesforce › Writing)."""
        def recheck() -> dict | None:
            found = self.find(task)
            return None if found is None else {"id": found}

        return self.client.create("Task", task_fields(task), recheck=recheck)
