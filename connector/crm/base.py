"""The one small interface between the sync loop and a CRM.

The sync loop (connector.sync) knows nothing of HubSpot or Salesforce: it asks an adapter to
ensure leadscore's fields exist, iterates pages of leads that need scoring, and hands back
batches of changed values, getting a per-record result for each. Field names here are neutral
(`SCORE_FIELDS`); each adapter maps them to its CRM's names (a prefix in HubSpot, `__c` custom
fields in Salesforce).

Own writes: writing scores bumps a record's modification stamp (HubSpot `updatedAt`,
Salesforce `SystemModstamp`), so the next incremental read finds it again. The adapter reports
the stamp each write produced (`WriteResult.marker`) and the stamp each read saw
(`LeadRecord.marker`); the loop stores the former, and `iter_pages` asks `own_writes` which
leads of a page are unchanged since our own write, so it can drop them before reading their
engagement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from connector.scoring.types import Lead

if TYPE_CHECKING:
    from connector.scoring.model import ScoringModel

# What leadscore writes, by neutral name. "stage" is written only when it moves forward.
SCORE_FIELDS = ("fit", "engagement", "label", "grade", "reasons", "model", "scored_at", "stage")

# Given {lead id: modification stamp as read}, the ids whose stamp is the one our own last
# write produced (nothing changed since): the adapter skips them.
OwnWriteCheck = Callable[[Mapping[str, str]], Set[str]]


@dataclass(frozen=True, slots=True)
class LeadRecord:
    """A lead to score, with leadscore's own values as the CRM holds them now (by neutral name),
    read in the same request, so that only changed values are written. `marker` is the
    record's modification stamp as read (None when the CRM gave none)."""

    lead: Lead
    written: Mapping[str, str | None] = field(default_factory=dict)
    marker: str | None = None


@dataclass(frozen=True, slots=True)
class LeadPage:
    """One page of work. `checkpoint` is opaque to the loop: it may be saved once every record of
    this page (and of the pages before it) has been written or recorded as failed. `skipped`
    counts the leads read but dropped as unchanged since our own write."""

    records: Sequence[LeadRecord]
    checkpoint: str | None
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class ScoreUpdate:
    """The values to write for one lead: only those that changed, by neutral name."""

    lead_id: str
    values: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class WriteResult:
    """One update's outcome. `marker`: the modification stamp the write produced, when known."""

    lead_id: str
    ok: bool
    error: str | None = None
    marker: str | None = None


@dataclass
class ApiUsage:
    """API calls made so far (by endpoint), 429s met and retries made: for the run record."""

    calls: dict[str, int] = field(default_factory=dict)
    rate_limited: int = 0
    retries: int = 0
    # Answers by endpoint and status ("POST /crm/v3/objects/contacts/search 200"; status
    # "error" for a dropped connection or a timeout), for metrics.
    statuses: dict[str, int] = field(default_factory=dict)

    def since(self, earlier: ApiUsage) -> ApiUsage:
        def minus(now: dict[str, int], before: dict[str, int]) -> dict[str, int]:
            return {k: v - before.get(k, 0) for k, v in now.items() if v - before.get(k, 0)}

        return ApiUsage(
            calls=minus(self.calls, earlier.calls),
            rate_limited=self.rate_limited - earlier.rate_limited,
            retries=self.retries - earlier.retries,
            statuses=minus(self.statuses, earlier.statuses),
        )


class CrmAdapter(Protocol):
    """What the sync loop needs from a CRM. Retries, pagination and rate limiting live inside
    the adapter's client layer, each in one place; the loop sees only pages and results.
    Failures that end the run raise `connector.crm.errors.CrmError`."""

    name: str
    max_batch: int  # how many updates one write call takes

    def ensure_fields(self, model: ScoringModel, *, create: bool = True) -> None:
        """Check leadscore's fields; create the missing ones when `create` (a dry run passes
        False and only checks). Raise UserError for one that exists with a wrong type."""

    def iter_pages(
        self, checkpoint: str | None, *, full: bool, own_writes: OwnWriteCheck | None = None
    ) -> Iterator[LeadPage]:
        """Leads changed (properties or engagement) since `checkpoint`, or all when `full`."""

    def read_leads(self, ids: Sequence[str]) -> Sequence[LeadRecord]:
        """These leads, by id, with their events (to retry records that failed on an earlier
        run); ids the CRM no longer has are left out."""

    def write_batch(self, updates: Sequence[ScoreUpdate]) -> Sequence[WriteResult]:
        """Write at most `max_batch` updates; one result per update, failures included."""

    def api_usage(self) -> ApiUsage:
        """Calls, 429s and retries so far (cumulative; the loop takes differences)."""
