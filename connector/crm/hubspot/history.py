"""HubSpot contacts' past, for `backtest --from-crm`: when each entered a lifecycle stage, and
property values as they were at a moment.

HubSpot stamps the moment a contact first entered a stage in `hs_lifecyclestage_<stage>_date`
and its creation in `createdate`, and a batch read with `propertiesWithHistory` gives each
property's past values with their timestamps, 50 contacts a call (docs/crm-api-facts.md,
Contacts (CRM v3)). The stage and its
dates are the outcome itself: they are never among the properties of the leads given out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from connector.crm.base import StagedLead
from connector.crm.hubspot import reader
from connector.crm.hubspot.events import COUNTER_PROPERTIES, WEB_EVENTS, counter_events
from connector.crm.hubspot.properties import STAGE_PROPERTY
from connector.scoring.leadfile import parse_timestamp
from connector.scoring.types import Event, Lead

if TYPE_CHECKING:
    from connector.crm.base import LeadPage
    from connector.crm.hubspot.client import HubSpotClient


class _Contacts(Protocol):
    """What the history needs of the HubSpot adapter (named here, not imported, so the adapter
    and its capability do not import each other)."""

    client: HubSpotClient
    read_properties: list[str]

    def iter_pages(self, checkpoint: str | None, *, full: bool) -> Iterator[LeadPage]: ...


STAGE_DATE_PREFIX = "hs_lifecyclestage_"
WEB_TYPES = tuple(kind for kind, _ in WEB_EVENTS.values())


def _date_property(stage: str) -> str:
    return f"{STAGE_DATE_PREFIX}{stage}_date"


def _hidden(name: str) -> bool:
    return name == STAGE_PROPERTY or name.startswith(STAGE_DATE_PREFIX)


def value_as_of(history: Sequence[Mapping[str, str]], cutoff: datetime) -> str | None:
    """A property's value just before `cutoff` from its history (newest first): the latest value
    set before it, None if it was set only later. A value set at the very moment (a workflow
    clearing the lead status as the contact converts) was caused by it, so it does not count."""
    for entry in history:
        stamp = parse_timestamp(entry.get("timestamp"))
        if stamp is not None and stamp < cutoff:
            return entry.get("value") or None
    return None


def _without(events: Sequence[Event], drop: Sequence[Event]) -> list[Event]:
    """`events` less one instance of each of `drop`."""
    left = list(events)
    for event in drop:
        if event in left:
            left.remove(event)
    return left


class HubSpotHistory:
    """The `PropertyHistory` capability of a HubSpot adapter. HubSpot keeps every property's
    history, so nothing is untracked; the marketing counters (page views, forms, email opens)
    are properties too, so a lead's totals as of a moment come from their history."""

    def __init__(self, adapter: _Contacts) -> None:
        self.adapter = adapter

    def staged_leads(self, stages: Sequence[str], properties: Sequence[str] = ()) -> Iterator[StagedLead]:
        adapter = self.adapter
        normal = adapter.read_properties
        dates = {stage: _date_property(stage) for stage in stages}
        adapter.read_properties = list(dict.fromkeys([*normal, *properties, STAGE_PROPERTY, *sorted(dates.values())]))
        try:
            for page in adapter.iter_pages(None, full=True):
                for record in page.records:
                    yield self._staged(record.lead, dates)
        finally:
            adapter.read_properties = normal

    @staticmethod
    def _staged(lead: Lead, dates: Mapping[str, str]) -> StagedLead:
        entered = {stage: parse_timestamp(lead.properties.get(name)) for stage, name in dates.items()}
        properties = {k: v for k, v in lead.properties.items() if not _hidden(k)}
        return StagedLead(Lead(lead.id, properties, lead.events, lead.stage),
                          {stage: when for stage, when in entered.items() if when is not None},
                          parse_timestamp(lead.properties.get("createdate")))

    def untracked(self, names: Sequence[str]) -> list[str]:
        return []

    def leads_as_of(self, leads: Iterable[tuple[Lead, datetime]], names: Sequence[str]) -> Iterator[Lead]:
        wanted = [n for n in names if not _hidden(n)]
        asked = list(dict.fromkeys([*wanted, *(c for c in COUNTER_PROPERTIES if c != "createdate")]))
        chunk: list[tuple[Lead, datetime]] = []
        for item in leads:
            chunk.append(item)
            if len(chunk) == reader.BATCH_READ_WITH_HISTORY:
                yield from self._chunk_as_of(chunk, wanted, asked)
                chunk = []
        if chunk:
            yield from self._chunk_as_of(chunk, wanted, asked)

    def _chunk_as_of(self, chunk: list[tuple[Lead, datetime]], wanted: list[str], asked: list[str]) -> Iterator[Lead]:
        objects = reader.batch_read(self.adapter.client, "contacts", [lead.id for lead, _ in chunk],
                                    ["hs_object_id"], with_history=asked)
        histories = {str(obj["id"]): obj.get("propertiesWithHistory") or {} for obj in objects}
        for lead, cutoff in chunk:
            past = histories.get(lead.id, {})
            then = {n: value_as_of(past.get(n) or [], cutoff) for n in asked}
            then["createdate"] = lead.properties.get("createdate")
            # The totals on the record now give way to the totals it had then (but for those the
            # events API detailed, event by event: only engagement and web events are left here).
            kept = _without(lead.events, counter_events(lead.properties))
            detailed = {e.type for e in kept} & set(WEB_TYPES)
            events = [*(e for e in counter_events(then) if e.type not in detailed), *kept]
            yield Lead(lead.id, {n: then[n] for n in wanted}, tuple(events), None)
