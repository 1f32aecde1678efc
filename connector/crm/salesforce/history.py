"""Salesforce Leads' past, for `backtest --from-crm` and `fit --from-crm`.

A converted Lead stays in the org with `IsConverted`, `ConvertedDate` (a date) and
`ConvertedContactId`; its Tasks and Events moved to that Contact when it converted, and its
campaign members kept the LeadId (docs/crm-api-facts.md, Salesforce › Lead conversion). So a
converted Lead is read with the Contact's Tasks and Events and its own campaign members, and is
"customer" from the start of its conversion day (the date is all the record says: activity later
that day is left out rather than risked). A field's past values come from LeadHistory, which
holds a row per change of a field the org tracks (docs/crm-api-facts.md, Salesforce › Field
history): the value at a moment is the OldValue of the first change after it, or the value now
if it has not changed since. A mapped field with no LeadHistory row for any lead read is named as
possibly untracked: its value now may have been set after the lead converted.

Every read is by page: the Leads `ORDER BY Id`, 2,000 a call; per page, its activity and its
LeadHistory over the page's Id range, and the converted Leads' Contacts' activity by Id lists.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Protocol

from connector.crm.base import StagedLead
from connector.crm.salesforce.client import SalesforceClient
from connector.crm.salesforce.mapping import MappingConfig, as_text, field_value, parse_datetime
from connector.crm.salesforce.reader import EVENT_FIELDS, TASK_FIELDS, LeadReader, id_batches, in_list
from connector.scoring.types import Event, Lead


class _Org(Protocol):
    """What the history needs of the Salesforce adapter (named here, not imported, so the adapter
    and its capability do not import each other)."""

    client: SalesforceClient
    config: MappingConfig
    reader: LeadReader

CONVERTED = "customer"  # the stage a converted Lead reached
HISTORY_FIELDS = "LeadId, Field, OldValue, NewValue, CreatedDate"
Change = tuple[datetime, str | None]  # when a field changed, and its value before


class SalesforceHistory:
    """The `PropertyHistory` capability of a Salesforce adapter."""

    def __init__(self, adapter: _Org) -> None:
        self.adapter = adapter
        self.fields: dict[str, str] = {}  # property name -> Lead field, of the pass read last
        self.changes: dict[str, dict[str, list[Change]]] = {}  # lead -> field -> changes, oldest first
        self.tracked: set[str] = set()  # fields with any LeadHistory row

    def staged_leads(self, stages: Sequence[str], properties: Sequence[str] = ()) -> Iterator[StagedLead]:
        config = self.adapter.config
        self.fields = {**config.lead_fields, **{n: config.lead_fields.get(n, n) for n in properties}}
        names = ["Id", "CreatedDate", "IsConverted", "ConvertedDate", "ConvertedContactId"]
        names += [f for f in self.fields.values() if f not in names]
        soql = f"SELECT {', '.join(names)} FROM Lead ORDER BY Id"
        for rows in self.adapter.client.query_pages(soql):
            yield from self._page(rows)

    def _page(self, rows: list[dict]) -> Iterator[StagedLead]:
        ids = [row["Id"] for row in rows]
        events: dict[str, list[Event]] = defaultdict(list)
        self.adapter.reader.collect_range(ids, events)
        contacts = {row["ConvertedContactId"]: row["Id"] for row in rows
                    if row.get("IsConverted") and row.get("ConvertedContactId")}
        for contact, moved in self._contact_activity(list(contacts)).items():
            events[contacts[contact]].extend(moved)
        self._read_history(ids)
        for row in rows:
            converted = parse_datetime(row.get("ConvertedDate")) if row.get("IsConverted") else None
            properties = {name: as_text(field_value(row, api)) for name, api in self.fields.items()}
            ordered = tuple(sorted(events.get(row["Id"], ()), key=_when))
            lead = Lead(row["Id"], properties, ordered, CONVERTED if converted else None)
            yield StagedLead(lead, {CONVERTED: converted} if converted else {}, parse_datetime(row.get("CreatedDate")))

    def _contact_activity(self, contacts: list[str]) -> dict[str, list[Event]]:
        """The Tasks and Events of the Contacts converted Leads became (the Leads' own, moved)."""
        found: dict[str, list[Event]] = defaultdict(list)
        mapper, client = self.adapter.reader.events, self.adapter.client
        for template, convert in ((f"SELECT {TASK_FIELDS} FROM Task WHERE IsClosed = true AND WhoId IN ({{ids}})", mapper.task),
                                  (f"SELECT {EVENT_FIELDS} FROM Event WHERE WhoId IN ({{ids}})", mapper.event)):
            for batch in id_batches(contacts, template, client.base_url):
                for page in client.query_pages(template.replace("{ids}", in_list(batch))):
                    for row in page:
                        found[row["WhoId"]].extend(convert(row))
        return found

    def _read_history(self, ids: list[str]) -> None:
        wanted, by_api = set(ids), set(self.fields.values())
        soql = (f"SELECT {HISTORY_FIELDS} FROM LeadHistory WHERE LeadId >= '{ids[0]}' AND LeadId <= '{ids[-1]}' "
                "ORDER BY LeadId, CreatedDate")
        for page in self.adapter.client.query_pages(soql):
            for row in page:
                field, lead = row.get("Field"), row.get("LeadId")
                if lead in wanted and field in by_api:
                    self.tracked.add(field)
                    when = parse_datetime(row.get("CreatedDate"))
                    if when is not None:
                        self.changes.setdefault(lead, {}).setdefault(field, []).append((when, as_text(row.get("OldValue"))))

    def untracked(self, names: Sequence[str]) -> list[str]:
        return [n for n in names if n in self.fields and self.fields[n] not in self.tracked]

    def leads_as_of(self, leads: Iterable[tuple[Lead, datetime]], names: Sequence[str]) -> Iterator[Lead]:
        for lead, moment in leads:
            changes = self.changes.get(lead.id, {})
            properties = {n: _value_then(lead.properties.get(n), changes.get(self.fields.get(n, n), ()), moment)
                          for n in names}
            yield Lead(lead.id, properties, lead.events, None)


def _when(event: Event) -> tuple[bool, datetime, str]:
    return event.timestamp is None, event.timestamp or datetime.min.replace(tzinfo=UTC), event.type


def _value_then(now: str | None, changes: Sequence[Change], moment: datetime) -> str | None:
    """The value at `moment`: before the first change at or after it, else the value now."""
    for when, old in changes:
        if when >= moment:
            return old
    return now


__all__ = ["SalesforceHistory"]
