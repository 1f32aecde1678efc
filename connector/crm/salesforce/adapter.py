"""The Salesforce adapter behind `connector.crm.base.CrmAdapter`.

Pages of unconverted Leads (and Contacts, as a setting) changed since the checkpoint, then those
whose activity changed, each with its events; writes through sObject Collections (200 a call,
per-record results) or, above `salesforce_bulk_threshold` records, one Bulk API 2.0 job.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from simple_salesforce.exceptions import SalesforceMalformedRequest

from connector.crm.base import (
    ApiUsage, CrmAdapter, FieldProblem, Lacking, LeadPage, LeadRecord, OwnWriteCheck, RunTimes,
    ScoreUpdate, WriteResult,
)
from connector.crm.salesforce.accounts import SalesforceAccounts
from connector.crm.salesforce.client import COLLECTION_SIZE, SalesforceClient
from connector.crm.salesforce.floor import floor_calls
from connector.crm.salesforce.history import SalesforceHistory
from connector.crm.salesforce.errors import error_items, error_message
from connector.crm.salesforce.mapping import (
    EventMapper,
    MappingConfig,
    format_datetime,
    sobject_of,
    to_fields,
)
from connector.crm.salesforce.reader import Checkpoint, LeadReader, max_stamp, minus
from connector.crm.salesforce.schema import FieldCheck
from connector.crm.salesforce.tasks import SalesforceTasks
from connector.errors import UserError
from connector.scoring.modelset import ModelSet

if TYPE_CHECKING:
    from connector.scoring.model import ScoringModel

log = logging.getLogger(__name__)

RETRY_RECORD_CODES = frozenset({"UNABLE_TO_LOCK_ROW"})  # worth one more try at once
FLS_FIX = ("fix: give the integration user's permission set Edit on the field "
           "(or run `leadscore setup salesforce` to check every field)")


class SalesforceAdapter(CrmAdapter):
    name = "salesforce"
    title = "Salesforce"

    def __init__(
        self,
        client: SalesforceClient,
        config: MappingConfig,
        *,
        include_contacts: bool = False,
        overlap_seconds: int = 300,
        bulk_threshold: int = 2000,
        model: ScoringModel | ModelSet | None = None,
    ) -> None:
        self.client = client
        self.model = model  # the [account] section of one of its models, when one has it, scores Accounts
        self.config = config
        self.overlap = overlap_seconds
        self.bulk_threshold = bulk_threshold
        self.max_batch = max(bulk_threshold * 5, COLLECTION_SIZE)
        self.times = RunTimes.begin()
        # A meeting is held once its start is past the scoring moment, not the wall clock.
        events = EventMapper(config, lambda: self.times.scoring)
        self.reader = LeadReader(client, config, events, include_contacts=include_contacts)
        self._user_id: str | None = None
        self._user_known = False  # asked once per adapter: the answer does not change
        self._start: str | None = None  # when the run being read began (Salesforce's clock)

    def start_pass(self, times: RunTimes) -> None:
        self.times = times

    def close(self) -> None:
        self.client.close()

    # -- fields ----------------------------------------------------------------------------------

    def field_setup(self, model: ScoringModel | ModelSet | None = None) -> SalesforceFields:
        accounts = model is not None and ModelSet.of(model).account_model is not None
        return SalesforceFields(FieldCheck(self.client, self.config, self.reader.objects, accounts))

    def accounts(self) -> SalesforceAccounts:
        """Accounts rolled up from their Contacts (`Contact.AccountId`; a Lead has no Account
        until converted: docs/crm-api-facts.md, Salesforce › Objects leadscore reads and writes).
        Their engagement is the Contacts' Leadscore engagement, which only a sync that scores
        Contacts writes: without them every Account would roll up nothing."""
        assert self.model is not None
        if "Contact" not in self.reader.objects:
            raise Lacking("salesforce: Accounts are scored from their Contacts' engagement scores, and "
                          "Contacts are not scored (LEADSCORE_SALESFORCE_INCLUDE_CONTACTS is false); fix: set "
                          "LEADSCORE_SALESFORCE_INCLUDE_CONTACTS=true, or remove the model's [account] section")
        return SalesforceAccounts(self.client, self.config, ModelSet.of(self.model), self.overlap,
                                  self._integration_user)

    def _integration_user(self) -> str | None:
        if not self._user_known:
            self._user_id, self._user_known = self.client.user_id(), True
        return self._user_id

    def property_history(self) -> SalesforceHistory:
        """Converted and unconverted Leads with their LeadHistory (connector.crm.salesforce.history)."""
        return SalesforceHistory(self)

    def ensure_fields(self, model: object = None, *, create: bool = True) -> None:
        """Check that every field leadscore reads and writes exists and is updateable: a clear
        UserError before any write. A sync never changes the org's metadata, whatever `create`
        says: creating fields is `leadscore setup salesforce --create`, run by an admin."""
        FieldCheck(self.client, self.config, self.reader.objects).require()

    def owner_tasks(self) -> SalesforceTasks:
        return SalesforceTasks(self.client)

    def record_url(self, lead_id: str) -> str:
        return f"{self.client.instance_url}/{lead_id}"

    # -- reading ---------------------------------------------------------------------------------

    def iter_pages(
        self, checkpoint: str | None, *, full: bool, own_writes: OwnWriteCheck | None = None
    ) -> Iterator[LeadPage]:
        """Changed Leads (then Contacts) by SystemModstamp, then those whose activity changed.

        Own writes are left out by the query itself (`LastModifiedById` is not the integration
        user), so `own_writes` is not needed: a record our write touched last is not read."""
        state = Checkpoint.parse(checkpoint)
        resuming = state.phase is not None and (state.mode == "full" or not full)
        if not resuming:
            state = Checkpoint(state.since)
        if state.mode == "full" or (not resuming and (full or state.since is None)):
            pages = self._full(state)
        else:
            pages = self._incremental(state)
        for records, position in pages:
            self._start = self._start or state.start or self._server_start()
            yield LeadPage(records, replace(position, start=self._start).dump())
        final = self._start or self._server_start() or state.since
        self._start = None
        yield LeadPage([], Checkpoint(final).dump() if final else None)

    def _full(self, state: Checkpoint) -> Iterator[tuple[list[LeadRecord], Checkpoint]]:
        """Every record, in Id order, with its activity read by Id range: no activity phase
        is needed, the read covers it."""
        objects = self.reader.objects
        first = objects.index(state.phase) if state.phase in objects else 0
        for sobject in objects[first:]:
            after = state.after if state.phase == sobject else None
            for rows in self.reader.all_pages(sobject, after):
                if rows:
                    position = Checkpoint(state.since, sobject, rows[-1]["Id"], "full")
                    yield self.reader.records(rows, id_range=True), position

    def _incremental(self, state: Checkpoint) -> Iterator[tuple[list[LeadRecord], Checkpoint]]:
        """Records changed since the checkpoint (less the overlap), by SystemModstamp; then those
        whose activity changed, read by id."""
        since = minus(state.since, self.overlap)
        self._integration_user()
        phases = [*self.reader.objects, "activity"]
        resume = phases.index(state.phase) if state.phase in phases else 0
        seen: set[str] = set()
        for sobject in phases[resume:-1]:
            start = minus(state.after, 0) if state.phase == sobject and state.after else since
            for rows in self.reader.changed_pages(sobject, start, self._user_id):
                seen.update(row["Id"] for row in rows)
                position = Checkpoint(state.since, sobject, max_stamp(rows), "incremental")
                yield self.reader.records(rows), position
        changed = sorted(self.reader.activity_changes(since) - seen)
        page_size = self.client.query_batch_size
        for offset in range(0, len(changed), page_size):
            rows = self.reader.by_ids(changed[offset:offset + page_size])
            yield self.reader.records(rows), Checkpoint(state.since, "activity", None, "incremental")

    def _server_start(self) -> str | None:
        """When this run began, by Salesforce's clock (the `Date` of its first answer), less a
        second for the header's resolution: the next run reads what changed from then on."""
        if self.client.server_time is None:
            return None
        return format_datetime(self.client.server_time - timedelta(seconds=1))

    def read_leads(self, ids: Sequence[str]) -> Sequence[LeadRecord]:
        return self.reader.records(self.reader.by_ids(list(ids)))

    # -- writing ---------------------------------------------------------------------------------

    def write_batch(self, updates: Sequence[ScoreUpdate]) -> Sequence[WriteResult]:
        results: dict[str, WriteResult] = {}
        by_type: dict[str, list[ScoreUpdate]] = {}
        for update in updates:
            by_type.setdefault(sobject_of(update.lead_id), []).append(update)
        for sobject, group in by_type.items():
            if len(group) > self.bulk_threshold:
                results.update(self._bulk(sobject, group))
            else:
                for start in range(0, len(group), COLLECTION_SIZE):
                    results.update(self._collection(sobject, group[start:start + COLLECTION_SIZE]))
        return [results[u.lead_id] for u in updates]

    def _rows(self, updates: Sequence[ScoreUpdate]) -> list[dict]:
        return [{"id": u.lead_id, **to_fields(u.values, u.lead_id, self.config)} for u in updates]

    def _collection(self, sobject: str, updates: Sequence[ScoreUpdate], retry: bool = True) -> dict[str, WriteResult]:
        stamps = [name for neutral, name in self.config.score_fields().items()
                  if neutral.endswith("scored_at")]  # every model's
        try:
            answers = self.client.update_collection(sobject, self._rows(updates), stamp_fields=stamps)
        except SalesforceMalformedRequest as exc:
            codes = {item.get("errorCode") for item in error_items(exc)}
            if codes & {"INVALID_FIELD", "INVALID_FIELD_FOR_INSERT_UPDATE"}:
                raise UserError(
                    f"Salesforce refused the write to {sobject}: {error_message(exc)}; fix: run "
                    "`leadscore setup salesforce` (--create for missing fields) and grant the "
                    "integration user Edit on leadscore's fields."
                ) from None
            raise
        results: dict[str, WriteResult] = {}
        again: list[ScoreUpdate] = []
        for update, answer in zip(updates, answers, strict=True):
            if answer.get("success"):
                results[update.lead_id] = WriteResult(update.lead_id, True)
                continue
            errors = answer.get("errors") or []
            if retry and errors and all(e.get("statusCode") in RETRY_RECORD_CODES for e in errors):
                again.append(update)
                continue
            results[update.lead_id] = WriteResult(update.lead_id, False, _record_error(errors))
        if again:
            results.update(self._collection(sobject, again, retry=False))
        return results

    def _bulk(self, sobject: str, updates: Sequence[ScoreUpdate]) -> dict[str, WriteResult]:
        rows = [{"Id": row.pop("id"), **row} for row in self._rows(updates)]
        info, failed = self.client.bulk_update(sobject, rows)
        if info["state"] != "JobComplete":
            reason = f"Bulk API job {info.get('id')} ended {info['state']}: {info.get('errorMessage', '')}".strip()
            return {u.lead_id: WriteResult(u.lead_id, False, reason) for u in updates}
        errors = {row.get("sf__Id"): row.get("sf__Error", "") for row in failed}
        return {
            u.lead_id: WriteResult(u.lead_id, u.lead_id not in errors, _bulk_error(errors.get(u.lead_id)))
            for u in updates
        }

    # -- reporting -------------------------------------------------------------------------------

    def api_usage(self) -> ApiUsage:
        return self.client.api_usage()

    def fewest_calls(self) -> int:
        return floor_calls(self.client.calls, self.client.rows, self.client.written)


class SalesforceFields:
    """`leadscore setup salesforce`: leadscore's fields checked through describe, created
    through the Tooling API."""

    def __init__(self, check: FieldCheck) -> None:
        self.check = check

    def problems(self) -> list[FieldProblem]:
        return [FieldProblem(f"{p.sobject}.{p.field}", p.what, p.message()) for p in self.check.problems()]

    def create_missing(self) -> list[str]:
        return [f"created {name}" for name in self.check.create_missing()]

    def ready(self) -> str:
        objects = " and ".join(self.check.objects)
        return f"Salesforce is ready: leadscore's fields exist on {objects} and are updateable."


def _record_error(errors: Sequence[dict]) -> str:
    if not errors:
        return "failed without an error message"
    parts = []
    for error in errors:
        fields = ", ".join(error.get("fields") or [])
        text = f"{error.get('statusCode', 'ERROR')}: {error.get('message', '')}"
        if fields:
            text += f" (fields: {fields})"
        if error.get("statusCode") == "INVALID_FIELD_FOR_INSERT_UPDATE":
            text += f"; {FLS_FIX}"
        parts.append(text)
    return "; ".join(parts)


def _bulk_error(error: str | None) -> str | None:
    if error is None:
        return None
    if error.startswith("INVALID_FIELD_FOR_INSERT_UPDATE"):
        return f"{error}; {FLS_FIX}"
    return error
