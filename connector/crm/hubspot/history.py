"""HubSpot contacts' past, for `backtest --from-crm`: when each entered a lifecycle stage, and
property values as they were at a moment.

HubSpot stamps the moment a contact first entered a stage in `hs_lifecyclestage_<stage>_date`,
and a batch read with `propertiesWithHistory` gives each property's past values with their
timestamps, 50 contacts a call (docs/crm-api-facts.md, Contacts (CRM v3)). The stage and its
dates are the outcome itself: they are never among the properties of the leads given out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from connector.crm.base import StagedLead
from connector.crm.hubspot import reader
from connector.crm.hubspot.properties import STAGE_PROPERTY
from connector.scoring.leadfile import parse_timestamp
from connector.scoring.types import Lead

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


def _date_property(stage: str) -> str:
    return f"{STAGE_DATE_PREFIX}{stage}_date"


def _hidden(name: str) -> bool:
    return name == STAGE_PROPERTY or name.startswith(STAGE_DATE_PREFIX)


def value_as_of(history: Sequence[Mapping[str, str]], cutoff: datetime) -> str | None:
    """A property's value at `cutoff` from its history (newest first): the latest value set at or
    before it, None if it was set only later."""
    for entry in history:
        stamp = parse_timestamp(entry.get("timestamp"))
        if stamp is not None and stamp <= cutoff:
            return entry.get("value") or None
    return None


class HubSpotHistory:
    """The `PropertyHistory` capability of a HubSpot adapter."""

    def __init__(self, adapter: _Contacts) -> None:
        self.adapter = adapter

    def staged_leads(self, stages: Sequence[str]) -> Iterator[StagedLead]:
        adapter = self.adapter
        normal = adapter.read_properties
        dates = {stage: _date_property(stage) for stage in stages}
        adapter.read_properties = list(dict.fromkeys([*normal, STAGE_PROPERTY, *sorted(dates.values())]))
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
                          {stage: when for stage, when in entered.items() if when is not None})

    def values_as_of(self, cutoffs: Mapping[str, datetime], names: Sequence[str]
                     ) -> dict[str, dict[str, str | None]]:
        wanted = [n for n in names if not _hidden(n)]
        if not cutoffs or not wanted:
            return {}
        objects = reader.batch_read(self.adapter.client, "contacts", list(cutoffs), ["hs_object_id"],
                                    with_history=wanted)
        past: dict[str, dict[str, str | None]] = {}
        for obj in objects:
            lead_id = str(obj["id"])
            histories = obj.get("propertiesWithHistory") or {}
            past[lead_id] = {n: value_as_of(histories.get(n) or [], cutoffs[lead_id]) for n in wanted}
        return past
