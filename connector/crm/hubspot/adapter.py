"""The HubSpot adapter: contacts and their engagement as neutral leads; scores back as
`<prefix>*` contact properties and the lifecycle stage.

What needs scoring (a *pass*): contacts whose properties changed in a time window [lo, hi),
then contacts whose engagement objects changed in it (searched by `hs_lastmodifieddate` and
mapped to contacts through v4 associations), or, in a full pass, every contact. `hi` is the
pass's start; `lo` the previous pass's `hi` less an overlap (newly written records take a few
seconds to reach search: docs/crm-api-facts.md). The checkpoint records the position inside a pass
(phase and last id), so a restarted run resumes where the last saved page ended.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from connector.crm.base import (
    ApiUsage, CrmAdapter, LeadPage, LeadRecord, OwnWriteCheck, RunTimes, ScoreUpdate, WriteResult,
    probability_fields,
    score_fields,
)
from connector.crm.errors import CrmError, CrmRequestError
from connector.crm.hubspot import reader
from connector.crm.hubspot.companies import HubSpotCompanies
from connector.crm.hubspot.events import COUNTER_PROPERTIES, ENGAGEMENT_TYPES, counter_events
from connector.crm.hubspot.floor import floor_calls
from connector.crm.hubspot.history import HubSpotHistory
from connector.crm.hubspot.properties import STAGE_PROPERTY, HubSpotFields, ensure_properties
from connector.crm.hubspot.tasks import HubSpotTasks
from connector.crm.hubspot.writing import BatchUpdate
from connector.scoring.modelset import ModelSet
from connector.scoring.types import Lead
from connector.crm import checkpoint

if TYPE_CHECKING:
    from connector.crm.hubspot.client import HubSpotClient
    from connector.scoring.model import ScoringModel

log = logging.getLogger(__name__)

OWNER_PROPERTY = "hubspot_owner_id"
BASE_PROPERTIES = ("email", "firstname", "lastname", "hs_object_id", "lastmodifieddate", STAGE_PROPERTY,
                   OWNER_PROPERTY)
PAGE_CONTACTS = reader.ASSOCIATION_BATCH  # one associations call per engagement type a page


@dataclass
class Pass:
    full: bool
    lo: int | None  # ms since the epoch; None: from the beginning
    hi: int | None  # ms; None: no upper bound (full pass)
    phase: str  # "contacts" (changed contacts) or "engagement" (contacts with changed activity)
    after: int  # last contact id done in this phase

    def to_json(self) -> dict:
        return {"full": self.full, "lo": self.lo, "hi": self.hi, "phase": self.phase,
                "after": self.after}


_PASS_SHAPE = {"full": (bool,), "lo": (int, None), "hi": (int, None), "phase": (str,),
               "after": (int,)}


def _parse_checkpoint(text: str | None) -> dict:
    """The saved checkpoint, checked: CheckpointError (a UserError) when it is of another shape."""
    saved = checkpoint.parse(text, {"since": (int, None), "pass": (dict, None)})
    if saved.get("pass") is not None:
        checkpoint.parse(saved["pass"], _PASS_SHAPE, required=True)
    return saved


def _views(props: Mapping[str, str | None]) -> bool:
    """Whether the contact has web activity the events API could detail."""
    return any((props.get(name) or "0") not in ("0", "") for name in
               ("hs_analytics_num_page_views", "num_conversion_events"))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class HubSpotAdapter(CrmAdapter):
    name = "hubspot"
    title = "HubSpot"
    max_batch = 100  # batch update takes at most 100 inputs

    def __init__(
        self,
        client: HubSpotClient,
        model: ScoringModel | ModelSet,
        *,
        prefix: str = "leadscore_",
        group: str = "leadscore",
        overlap: timedelta = timedelta(minutes=5),
        web_events: bool = False,
    ) -> None:
        self.client = client
        self.model = model
        self.group = group
        self.overlap = overlap
        self.times = RunTimes.begin()
        self.web_events = web_events
        self.extra_reads = "web events" if web_events else ""
        models = ModelSet.of(model)
        # Every model's properties (`<prefix><key>_fit`) read in one request: one read pass
        # feeds every model.
        self.names = {field: prefix + field for field in score_fields(models.keys)}
        # A calibrated model ([calibration]) writes its probability too; without one the
        # property is neither read nor created.
        self.names.update({field: prefix + field for field in probability_fields(models)})
        self.names["stage"] = STAGE_PROPERTY
        self.to_neutral = {hubspot: field for field, hubspot in self.names.items()}
        self.read_properties = list(dict.fromkeys(
            [*BASE_PROPERTIES, *models.fit_properties, *COUNTER_PROPERTIES, *self.names.values()]
        ))

    def start_pass(self, times: RunTimes) -> None:
        self.times = times

    def close(self) -> None:
        self.client.close()

    # Fields ------------------------------------------------------------------------------
    def ensure_fields(self, model: ScoringModel | ModelSet, *, create: bool = True) -> None:
        ensure_properties(self.client, ModelSet.of(model), self.names, self.group, create=create)

    def field_setup(self, model: ScoringModel | ModelSet) -> HubSpotFields:
        return HubSpotFields(self.client, ModelSet.of(model), self.names, self.group)

    def record_url(self, lead_id: str) -> str:
        """The contact in the API (the app's address needs the portal's id, which the token
        does not tell without one more call)."""
        return f"{self.client.base_url}/crm/v3/objects/contacts/{lead_id}"

    def owner_tasks(self) -> HubSpotTasks:
        return HubSpotTasks(self.client)

    def property_history(self) -> HubSpotHistory:
        return HubSpotHistory(self)

    def accounts(self) -> HubSpotCompanies:
        return HubSpotCompanies(self.client, ModelSet.of(self.model), self.names, self.group, self.overlap,
                                self._results)

    # Reading -----------------------------------------------------------------------------
    def _record(self, obj: dict, events: Sequence) -> LeadRecord:
        props = obj.get("properties") or {}
        lead_props = {k: v for k, v in props.items() if k not in self.to_neutral}
        written = {self.to_neutral[k]: v for k, v in props.items() if k in self.to_neutral}
        counters = counter_events(props)
        if self.web_events and _views(props):
            web = reader.web_events_for(self.client, str(obj["id"]))
            # The events replace the counters they detail (page views, forms): no double count.
            detailed = {e.type for e in web}
            counters = [e for e in counters if e.type not in detailed]
            events = [*events, *web]
        lead = Lead(str(obj["id"]), lead_props, tuple(counters) + tuple(events),
                    props.get(STAGE_PROPERTY) or None)
        return LeadRecord(lead, written, marker=obj.get("updatedAt"),
                          owner=props.get(OWNER_PROPERTY) or None)

    def _records(self, objects: Sequence[dict]) -> list[LeadRecord]:
        events = reader.engagement_for(self.client, [str(o["id"]) for o in objects])
        return [self._mapped(o, events.get(str(o["id"]), ())) for o in objects]

    def _mapped(self, obj: dict, events: Sequence) -> LeadRecord:
        """One contact as a record; a contact whose values cannot be mapped (a counter of
        `inf`) is a record with its problem, so that it alone fails, not its page."""
        try:
            return self._record(obj, events)
        except CrmError:
            raise
        except Exception as exc:
            return LeadRecord.unmapped(str(obj["id"]), exc)

    def read_leads(self, ids: Sequence[str]) -> list[LeadRecord]:
        records: list[LeadRecord] = []
        for start in range(0, len(ids), PAGE_CONTACTS):
            objects = reader.batch_read(self.client, "contacts", ids[start : start + PAGE_CONTACTS],
                                        self.read_properties)
            records += self._records(objects)
        return records

    def _start(self, checkpoint: str | None, full: bool) -> Pass:
        saved = _parse_checkpoint(checkpoint)
        current = saved.get("pass")
        if current and (current["full"] or not full):
            log.info("resuming the %s pass at %s after id %s",
                     "full" if current["full"] else "incremental", current["phase"], current["after"])
            return Pass(**current)
        hi = _ms(self.times.started)  # the wall clock: HubSpot stamps changes by it
        since = saved.get("since")
        if full or since is None:
            return Pass(full=True, lo=None, hi=hi, phase="contacts", after=0)
        lo = since - int(self.overlap.total_seconds() * 1000)
        return Pass(full=False, lo=lo, hi=hi, phase="contacts", after=0)

    @staticmethod
    def _checkpoint(since: int | None, current: Pass | None) -> str:
        return json.dumps({"since": since, "pass": current.to_json() if current else None},
                          sort_keys=True)

    def iter_pages(self, checkpoint: str | None, *, full: bool,
                   own_writes: OwnWriteCheck | None = None) -> Iterator[LeadPage]:
        since = _parse_checkpoint(checkpoint).get("since")
        current = self._start(checkpoint, full)
        phases = ["contacts"] if current.full else ["contacts", "engagement"]
        done: set[str] = set()  # contacts scored in this pass (this process)
        for phase in phases[phases.index(current.phase):]:
            if phase != current.phase:
                current.phase, current.after = phase, 0
            pages = (self._contact_pages(current, own_writes) if phase == "contacts"
                     else self._engagement_pages(current, done))
            for records, skipped in pages:
                if not current.full:  # a full pass has one phase: nothing to remember
                    done.update(r.lead.id for r in records)
                yield LeadPage(records, self._checkpoint(since, current), skipped=skipped)
        yield LeadPage([], self._checkpoint(current.hi, None))

    def _contact_pages(self, current: Pass, own_writes: OwnWriteCheck | None
                       ) -> Iterator[tuple[list[LeadRecord], int]]:
        """Changed contacts in pages of up to 1,000 that need scoring: those unchanged since our
        own write are dropped from each search page first, so that their engagement is never
        read and pages of kept contacts stay full (one associations call per type a page)."""
        window = None if current.full else "lastmodifieddate"
        kept: list[dict] = []
        skipped = 0
        last = current.after
        for results in reader.search_ids(self.client, "contacts", date_property=window,
                                         lo_ms=current.lo, hi_ms=current.hi,
                                         after_id=current.after, properties=self.read_properties):
            last = int(results[-1]["id"])
            fresh = self._not_ours(results, own_writes)
            skipped += len(results) - len(fresh)
            kept += fresh
            if len(kept) + reader.SEARCH_LIMIT > PAGE_CONTACTS or (not kept and skipped >= PAGE_CONTACTS):
                # A page of nothing but our own writes still moves the checkpoint on: the run
                # after a full sync finds every contact so, and would otherwise save no progress.
                current.after = last
                yield self._live(kept), skipped
                kept, skipped = [], 0
        if kept or skipped:
            current.after = last
            yield self._live(kept), skipped

    def _live(self, found: list[dict]) -> list[LeadRecord]:
        """The records search found, read again by id: search trails writes by seconds and may
        show values older than our own last write (docs/crm-api-facts.md, HubSpot › Search),
        which would make unchanged scores look changed and write them twice."""
        return self.read_leads([str(o["id"]) for o in found])

    @staticmethod
    def _not_ours(results: list[dict], own_writes: OwnWriteCheck | None) -> list[dict]:
        if own_writes is None:
            return results
        stamps = {str(o["id"]): o["updatedAt"] for o in results if o.get("updatedAt")}
        ours = own_writes(stamps)
        return [o for o in results if str(o["id"]) not in ours]

    def _engagement_pages(self, current: Pass, done: set[str]
                          ) -> Iterator[tuple[list[LeadRecord], int]]:
        """Contacts whose engagement changed in the window, each once however many of its
        activities changed, in id order, in pages; `after` is the last contact id done."""
        wanted = [c for c in self._engagement_contacts(current)
                  if int(c) > current.after and c not in done]
        for start in range(0, len(wanted), PAGE_CONTACTS):
            chunk = wanted[start : start + PAGE_CONTACTS]
            current.after = int(chunk[-1])
            yield self.read_leads(chunk), 0

    def _engagement_contacts(self, current: Pass) -> list[str]:
        contacts: set[str] = set()
        for kind in ENGAGEMENT_TYPES:
            ids: list[str] = []
            for results in reader.search_ids(self.client, kind, date_property="hs_lastmodifieddate",
                                             lo_ms=current.lo, hi_ms=current.hi, after_id=0,
                                             properties=["hs_object_id"]):
                ids += [str(r["id"]) for r in results]
                if len(ids) + reader.SEARCH_LIMIT > reader.ASSOCIATION_BATCH:
                    contacts |= self._contacts_of(kind, ids)
                    ids = []
            if ids:
                contacts |= self._contacts_of(kind, ids)
        return sorted(contacts, key=int)

    def _contacts_of(self, kind: str, ids: list[str]) -> set[str]:
        links = reader.associated_ids(self.client, kind, "contacts", ids)
        return {c for targets in links.values() for c in targets}

    # Writing -----------------------------------------------------------------------------
    def _properties(self, values: Mapping[str, str]) -> dict[str, str]:
        return {self.names[field]: value for field, value in values.items()}

    def write_batch(self, updates: Sequence[ScoreUpdate]) -> list[WriteResult]:
        """One batch update, rechecked should its answer be lost (connector.crm.hubspot.writing):
        only the contacts that do not yet hold their values are sent again."""
        update = BatchUpdate(self.client, "contacts", self._properties)
        try:
            response = update.send(updates)
        except CrmRequestError as err:
            rest = [u for u in updates if u.lead_id in update.pending]
            return self._written(update.applied) + self._refused(rest, err)
        return self._results(updates, response.body, update.applied)

    @staticmethod
    def _written(applied: Mapping[str, str | None]) -> list[WriteResult]:
        return [WriteResult(lead_id, True, marker=stamp) for lead_id, stamp in applied.items()]

    def _refused(self, updates: Sequence[ScoreUpdate], err: CrmRequestError) -> list[WriteResult]:
        """A batch refused as a whole (400): a property missing is a setup problem that stops
        the run; otherwise one bad record must not block the rest, so split until it is alone.
        (HubSpot answers one invalid input, e.g. an INVALID_OPTION value, with a 400 for the
        whole batch: believed from public issue reports, unconfirmed in its docs.)"""
        codes = {e.get("code") for e in err.body.get("errors") or [] if isinstance(e, dict)}
        if err.status != 400 or "PROPERTY_DOESNT_EXIST" in codes:
            raise err
        if len(updates) == 1:
            return [WriteResult(updates[0].lead_id, False, str(err))]
        half = len(updates) // 2
        return self.write_batch(updates[:half]) + self.write_batch(updates[half:])

    @staticmethod
    def _results(updates: Sequence[ScoreUpdate], body: dict,
                 applied: Mapping[str, str | None]) -> list[WriteResult]:
        done = {**applied, **{str(r["id"]): r.get("updatedAt") for r in body.get("results") or []}}
        failed: dict[str, str] = {}
        for error in body.get("errors") or []:
            reason = " ".join(str(error.get(k)) for k in ("category", "message") if error.get(k))
            for lead_id in (error.get("context") or {}).get("ids") or []:
                failed[str(lead_id)] = reason or "HubSpot reported an error"
        results = []
        for update in updates:
            if update.lead_id in done:
                results.append(WriteResult(update.lead_id, True, marker=done[update.lead_id]))
            else:
                reason = failed.get(update.lead_id, "HubSpot returned no result for this contact")
                results.append(WriteResult(update.lead_id, False, reason))
        return results

    def api_usage(self) -> ApiUsage:
        return self.client.api_usage()

    def fewest_calls(self) -> int:
        return floor_calls(self.client.api_usage().calls, self.client.items)
