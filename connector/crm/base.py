"""The one small interface between the sync loop and a CRM.

The sync loop (connector.sync) knows nothing of HubSpot or Salesforce: it asks an adapter to
ensure leadscore's fields exist, iterates pages of leads that need scoring, and hands back
batches of changed values, getting a per-record result for each. Field names here are neutral
(`SCORE_FIELDS`); each adapter maps them to its CRM's names (a prefix in HubSpot, `__c` custom
fields in Salesforce).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from connector.scoring.types import Lead

if TYPE_CHECKING:
    from connector.scoring.model import ScoringModel

# What leadscore writes, by neutral name. "stage" is written only when it moves forward.
SCORE_FIELDS = ("fit", "engagement", "label", "grade", "reasons", "model", "scored_at", "stage")


@dataclass(frozen=True, slots=True)
class LeadRecord:
    """A lead to score, with leadscore's own values as the CRM holds them now (by neutral name),
    read in the same request, so that only changed values are written."""

    lead: Lead
    written: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LeadPage:
    """One page of work. `checkpoint` is opaque to the loop: it may be saved once every record of
    this page (and of the pages before it) has been written or recorded as failed."""

    records: Sequence[LeadRecord]
    checkpoint: str | None


@dataclass(frozen=True, slots=True)
class ScoreUpdate:
    """The values to write for one lead: only those that changed, by neutral name."""

    lead_id: str
    values: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class WriteResult:
    lead_id: str
    ok: bool
    error: str | None = None


class CrmAdapter(Protocol):
    """What the sync loop needs from a CRM. Retries, pagination and rate limiting live inside
    the adapter's client layer, each in one place; the loop sees only pages and results."""

    name: str
    max_batch: int  # how many updates one write call takes

    def ensure_fields(self, model: ScoringModel) -> None:
        """Create leadscore's missing fields; raise UserError for one that exists with a wrong type."""

    def iter_pages(self, checkpoint: str | None, *, full: bool) -> Iterator[LeadPage]:
        """Leads changed (properties or engagement) since `checkpoint`, or all when `full`."""

    def read_leads(self, ids: Sequence[str]) -> Sequence[LeadRecord]:
        """These leads, by id (to retry records that failed on an earlier run)."""

    def write_batch(self, updates: Sequence[ScoreUpdate]) -> Sequence[WriteResult]:
        """Write at most `max_batch` updates; one result per update, failures included."""
