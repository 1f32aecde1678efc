"""A history of leads with known outcomes read from the CRM itself (`backtest --from-crm`).

A lead converted when its lifecycle stage is an outcome stage (opportunity, customer or later, by
default). It is scored as of the moment it first entered one: HubSpot stamps that moment in
`hs_lifecyclestage_<stage>_date` [HubSpot default contact properties, knowledge.hubspot.com;
crm-api-facts.md, lifecycle stage], so only its activity before then counts and its outcome
cannot leak into its own prediction. Leads that did not convert are scored as of the cutoff. The properties the model reads are
taken as they were at each converted lead's cutoff, from `propertiesWithHistory` (a value set
later was not known then); HubSpot keeps that history per property [crm-api-facts.md].
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from connector.backtest.loader import LabeledLead, LeadHistory
from connector.crm.hubspot import reader
from connector.scoring.leadfile import parse_timestamp
from connector.scoring.types import Lead

if TYPE_CHECKING:
    from connector.crm.hubspot.adapter import HubSpotAdapter

OUTCOME_STAGES = ("opportunity", "customer", "evangelist")
STAGE_PROPERTY = "lifecyclestage"


def _date_property(stage: str) -> str:
    return f"hs_lifecyclestage_{stage}_date"


def value_as_of(history: Sequence[Mapping[str, str]], cutoff: datetime) -> str | None:
    """A property's value at `cutoff` from its history (newest first): the latest value set at or
    before it, None if it was set only later."""
    for entry in history:
        stamp = parse_timestamp(entry.get("timestamp"))
        if stamp is not None and stamp <= cutoff:
            return entry.get("value") or None
    return None


def _as_they_were(adapter: HubSpotAdapter, leads: list[LabeledLead], names: Sequence[str]) -> list[LabeledLead]:
    cut = {item.lead.id: item for item in leads if item.as_of is not None}
    if not cut or not names:
        return leads
    objects = reader.batch_read(adapter.client, "contacts", list(cut), ["hs_object_id"], with_history=names)
    past: dict[str, LabeledLead] = {}
    for obj in objects:
        item = cut[str(obj["id"])]
        histories = obj.get("propertiesWithHistory") or {}
        properties = dict(item.lead.properties)
        properties.update({name: value_as_of(histories.get(name) or [], item.as_of) for name in names})
        past[item.lead.id] = replace(item, lead=replace(item.lead, properties=properties))
    return [past.get(item.lead.id, item) for item in leads]


def history_from_crm(adapter: HubSpotAdapter, model_properties: Sequence[str],
                     outcome_stages: Sequence[str] = OUTCOME_STAGES) -> LeadHistory:
    """Every contact of the portal (one full read pass), labelled by its lifecycle stage, each
    converted one with the model's properties as they were when it converted."""
    hidden = {STAGE_PROPERTY, *(_date_property(s) for s in outcome_stages)}
    adapter.read_properties = list(dict.fromkeys([*adapter.read_properties, *sorted(hidden)]))
    leads: list[LabeledLead] = []
    undated = 0
    for page in adapter.iter_pages(None, full=True):
        for record in page.records:
            lead = record.lead
            converted = lead.stage in outcome_stages
            entered = [parse_timestamp(lead.properties.get(_date_property(s))) for s in outcome_stages]
            dates = [d for d in entered if d is not None]
            if converted and not dates:
                undated += 1
                continue
            # The stage and its dates are the outcome itself: never shown to the model.
            properties = {k: v for k, v in lead.properties.items() if k not in hidden and not k.startswith("hs_lifecyclestage_")}
            neutral = Lead(lead.id, properties, lead.events, None)
            leads.append(LabeledLead(neutral, int(converted), min(dates) if converted else None))
    leads = _as_they_were(adapter, leads, [n for n in model_properties if n not in hidden])
    warnings = []
    if undated:
        warnings.append(f"{undated} converted contacts without a date of entering {'/'.join(outcome_stages)} were left out")
    return LeadHistory("CRM", STAGE_PROPERTY, leads, warnings, frozenset())
