"""Reading the work from Salesforce: which Leads/Contacts changed, and their activity, by page.

Per page of leads (up to 2,000 records, one query call) the activity comes from three queries
(Task and Event by `WhoId IN (...)`, CampaignMember by `LeadId`/`ContactId IN (...)`), split only
where a GET's URI would pass the 16,384-byte limit (docs/crm-api-facts.md, "Query"): never one query per
lead.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote_plus

from connector.crm.base import LeadRecord
from connector.crm.salesforce.client import SalesforceClient
from connector.crm.salesforce.mapping import (
    CONTACT_PREFIX,
    LEAD_PREFIX,
    EventMapper,
    MappingConfig,
    owner_of,
    parse_datetime,
    soql_datetime,
    to_lead,
)
from connector.scoring.types import Event
from connector.crm import checkpoint

# A GET's request line and headers together must stay under 16,384 bytes (help article 000386264;
# Airbyte's REQUEST_SIZE_LIMITS); 2 KB is left for the headers (a bearer token is ~112 bytes).
URI_LIMIT = 16_384 - 2_048

TASK_FIELDS = "Id, WhoId, TaskSubtype, Subject, Status, CallDisposition, ActivityDate, CreatedDate"
EVENT_FIELDS = "Id, WhoId, EventSubtype, Subject, StartDateTime, CreatedDate"
MEMBER_FIELDS = "Id, LeadId, ContactId, Status, HasResponded, FirstRespondedDate, CreatedDate, Campaign.Name"


def id_batches(ids: Sequence[str], template: str, base_url: str, limit: int = URI_LIMIT) -> Iterator[list[str]]:
    """Split `ids` so that `template` with `{ids}` filled in fits one GET under `limit` bytes."""
    fixed = len(base_url) + len("query/?q=") + len(quote_plus(template.replace("{ids}", "")))
    batch: list[str] = []
    size = fixed
    for record_id in ids:
        cost = len(quote_plus(f"'{record_id}',"))
        if batch and size + cost > limit:
            yield batch
            batch, size = [], fixed
        batch.append(record_id)
        size += cost
    if batch:
        yield batch


def in_list(ids: Iterable[str]) -> str:
    return ",".join(f"'{i}'" for i in ids)


@dataclass(frozen=True)
class Checkpoint:
    """Where a run stands. `since`: everything modified before it (less the overlap) is scored.
    Within a run, `phase` and `after` say how far it got (the last Id of a full read, the last
    SystemModstamp of an incremental one, by `mode`), and `start` when the run began, so that a
    restart resumes there and still reads, next time, what changed while the first try ran."""

    since: str | None = None
    phase: str | None = None  # "Lead", "Contact" or "activity"
    after: str | None = None
    mode: str | None = None  # "full" or "incremental"
    start: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> Checkpoint:
        if not text:
            return cls()
        names = ("since", "phase", "after", "mode", "start")
        data = checkpoint.parse(text, {name: (str, None) for name in names})
        return cls(*(data.get(name) for name in names))

    def dump(self) -> str:
        return json.dumps({k: v for k, v in vars(self).items() if v is not None}, sort_keys=True)


class LeadReader:
    def __init__(
        self,
        client: SalesforceClient,
        config: MappingConfig,
        events: EventMapper,
        *,
        include_contacts: bool,
    ) -> None:
        self.client = client
        self.config = config
        self.events = events
        self.objects = ["Lead", "Contact"] if include_contacts else ["Lead"]

    # -- queries -------------------------------------------------------------------------------

    def select(self, sobject: str, where: str, order: str = "SystemModstamp, Id") -> str:
        scope = "IsConverted = false" if sobject == "Lead" else "Id != null"
        fields = ", ".join(self.config.select_fields(sobject))
        return f"SELECT {fields} FROM {sobject} WHERE {scope}{where} ORDER BY {order}"

    def changed_pages(self, sobject: str, start: datetime | None, exclude_user: str | None) -> Iterator[list[dict]]:
        where = ""
        if start is not None:
            where += f" AND SystemModstamp >= {soql_datetime(start)}"
            if exclude_user:
                # The worker's own writes bump SystemModstamp; a record whose last change was ours
                # needs no rescore unless its activity changed (found by activity_changes).
                where += f" AND LastModifiedById != '{exclude_user}'"
        yield from self.client.query_pages(self.select(sobject, where))

    def all_pages(self, sobject: str, after_id: str | None) -> Iterator[list[dict]]:
        """Every Lead (unconverted) or Contact in Id order, from after `after_id`."""
        where = f" AND Id > '{after_id}'" if after_id else ""
        yield from self.client.query_pages(self.select(sobject, where, order="Id"))

    def by_ids(self, ids: Sequence[str]) -> list[dict]:
        """Leads/Contacts by id, in URI-bounded batches (unconverted Leads only)."""
        rows: list[dict] = []
        for sobject, prefix in (("Lead", LEAD_PREFIX), ("Contact", CONTACT_PREFIX)):
            wanted = [i for i in ids if i.startswith(prefix)]
            if not wanted or sobject not in self.objects:
                continue
            template = self.select(sobject, " AND Id IN ({ids})", order="Id")
            for batch in id_batches(wanted, template, self.client.base_url):
                rows.extend(self.client.query(template.replace("{ids}", in_list(batch))))
        return rows

    def activity_changes(self, start: datetime) -> set[str]:
        """Ids of leads/contacts whose Tasks, Events or campaign responses changed since `start`,
        deleted ones included (queryAll), so a deleted activity lowers the score too."""
        stamp = soql_datetime(start)
        ids: set[str] = set()
        for sobject in ("Task", "Event"):
            soql = f"SELECT WhoId FROM {sobject} WHERE SystemModstamp >= {stamp} AND WhoId != null"
            for page in self.client.query_pages(soql, include_deleted=True):
                ids.update(row["WhoId"] for row in page if row.get("WhoId"))
        soql = f"SELECT LeadId, ContactId FROM CampaignMember WHERE SystemModstamp >= {stamp}"
        for page in self.client.query_pages(soql, include_deleted=True):
            for row in page:
                ids.update(v for v in (row.get("LeadId"), row.get("ContactId")) if v)
        prefixes = tuple(LEAD_PREFIX if o == "Lead" else CONTACT_PREFIX for o in self.objects)
        return {i for i in ids if i.startswith(prefixes)}

    # -- a page with its activity --------------------------------------------------------------

    def records(self, rows: Sequence[dict], *, id_range: bool = False) -> list[LeadRecord]:
        """A page of Lead/Contact rows with their activity: three queries (and their own pages)
        per URI-sized batch of ids; or, for a page read in Id order (`id_range`), three queries
        over the page's Id range, which any number of ids fits in one URI."""
        ids = [row["Id"] for row in rows]
        events: dict[str, list[Event]] = defaultdict(list)
        if ids and id_range:
            self.collect_range(ids, events)
        elif ids:
            self._collect(ids, events)
        out = []
        for row in rows:
            try:
                lead, written = to_lead(row, self.config, events.get(row["Id"], ()))
            except Exception as exc:  # this record fails alone, not its page
                out.append(LeadRecord.unmapped(row["Id"], exc))
                continue
            out.append(LeadRecord(lead=lead, written=written, marker=row.get("SystemModstamp"),
                                  owner=owner_of(row)))
        return out

    def _collect(self, ids: list[str], events: dict[str, list[Event]]) -> None:
        base = self.client.base_url
        queries = [
            (f"SELECT {TASK_FIELDS} FROM Task WHERE IsClosed = true AND WhoId IN ({{ids}})",
             "WhoId", self.events.task),
            (f"SELECT {EVENT_FIELDS} FROM Event WHERE WhoId IN ({{ids}})", "WhoId", self.events.event),
        ]
        leads = [i for i in ids if i.startswith(LEAD_PREFIX)]
        contacts = [i for i in ids if i.startswith(CONTACT_PREFIX)]
        for column, subset in (("LeadId", leads), ("ContactId", contacts)):
            if subset:
                queries.append((
                    f"SELECT {MEMBER_FIELDS} FROM CampaignMember WHERE {column} IN ({{ids}})",
                    column, self.events.campaign_member, subset,
                ))
        for query in queries:
            template, key, convert = query[:3]
            subset = query[3] if len(query) > 3 else ids
            for batch in id_batches(subset, template, base):
                for page in self.client.query_pages(template.replace("{ids}", in_list(batch))):
                    for row in page:
                        events[row[key]].extend(convert(row))


    def collect_range(self, ids: list[str], events: dict[str, list[Event]]) -> None:
        """Activity of a page of one object read `ORDER BY Id`: its first and last Id bound it.
        Salesforce compares the Ids itself, as it ordered them, so the range holds exactly the
        page's records and those skipped by the page's filter (converted Leads), dropped here.
        The same Id-range reads are how Salesforce's own PK chunking splits a table."""
        first, last = ids[0], ids[-1]
        wanted = set(ids)
        member_key = "ContactId" if first.startswith(CONTACT_PREFIX) else "LeadId"
        queries = [
            (f"SELECT {TASK_FIELDS} FROM Task WHERE IsClosed = true AND WhoId >= '{first}' "
             f"AND WhoId <= '{last}'", "WhoId", self.events.task),
            (f"SELECT {EVENT_FIELDS} FROM Event WHERE WhoId >= '{first}' AND WhoId <= '{last}'",
             "WhoId", self.events.event),
            (f"SELECT {MEMBER_FIELDS} FROM CampaignMember WHERE {member_key} >= '{first}' "
             f"AND {member_key} <= '{last}'", member_key, self.events.campaign_member),
        ]
        for soql, key, convert in queries:
            for page in self.client.query_pages(soql):
                for row in page:
                    if row.get(key) in wanted:
                        events[row[key]].extend(convert(row))


def max_stamp(rows: Sequence[dict]) -> str | None:
    stamps = [r.get("SystemModstamp") for r in rows if r.get("SystemModstamp")]
    return max(stamps, key=lambda s: parse_datetime(s) or datetime.min) if stamps else None


def minus(moment: str | None, seconds: int) -> datetime | None:
    parsed = parse_datetime(moment)
    return parsed - timedelta(seconds=seconds) if parsed else None
