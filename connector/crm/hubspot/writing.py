"""A HubSpot batch update that is never sent twice blindly: contacts' and companies' alike.

Should a batch update's answer be lost (the connection dropped after sending, so HubSpot may
have applied it), the retry policy calls the recheck first: one batch read of the records still
pending, and only those that do not yet hold their values are sent again; when none is left,
the recheck answers for the call (docs/crm-api-facts.md, HubSpot › Writing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from connector.crm.base import ScoreUpdate, holds
from connector.crm.hubspot import reader
from connector.crm.hubspot.client import Response

if TYPE_CHECKING:
    from connector.crm.hubspot.client import HubSpotClient

log = logging.getLogger(__name__)


def endpoint_of(object_type: str) -> str:
    return f"POST /crm/v3/objects/{object_type}/batch/update"


@dataclass
class BatchUpdate:
    """One batch update of `object_type`. `properties` maps an update's neutral values to
    HubSpot's property names. After `send`, `applied` holds the records a recheck found already
    written (id → updatedAt) and `pending` those still to be sent (what a refusal concerns)."""

    client: HubSpotClient
    object_type: str
    properties: Callable[[Mapping[str, str]], dict[str, str]]
    applied: dict[str, str | None] = field(default_factory=dict)
    pending: dict[str, ScoreUpdate] = field(default_factory=dict)

    def send(self, updates: Sequence[ScoreUpdate]) -> Response:
        """The call's answer (a recheck that found every record written answers with no
        results: `applied` has them). Raises CrmRequestError for a refusal."""
        self.pending = {u.lead_id: u for u in updates}
        endpoint = endpoint_of(self.object_type)
        body = {"inputs": [{"id": u.lead_id, "properties": self.properties(u.values)} for u in updates]}

        def recheck() -> Response | None:
            names = sorted({n for u in self.pending.values() for n in self.properties(u.values)})
            for obj in reader.batch_read(self.client, self.object_type, list(self.pending), names):
                record_id = str(obj["id"])
                if record_id in self.pending and holds(obj.get("properties") or {},
                                                       self._sent(self.pending[record_id])):
                    self.applied[record_id] = obj.get("updatedAt")
                    del self.pending[record_id]
            log.info("after a lost answer: %d %s already held their values, %d sent again",
                     len(self.applied), self.object_type, len(self.pending))
            body["inputs"] = [i for i in body["inputs"] if i["id"] in self.pending]
            return None if self.pending else Response(200, {}, {"results": []})

        if self.object_type == "contacts":
            response = self.client.call(endpoint, self.client.contacts_batch.update_with_http_info, body,
                                        recheck=recheck)
        else:
            response = self.client.call(endpoint, self.client.objects_batch.update_with_http_info,
                                        self.object_type, body, recheck=recheck)
        self.client.count_items(endpoint, len(updates))
        return response

    def _sent(self, update: ScoreUpdate) -> dict[str, str]:
        """The properties a write sets that tell whether it was applied (all but the stamps,
        every model's scored-at)."""
        return self.properties({k: v for k, v in update.values.items() if not k.endswith("scored_at")})
