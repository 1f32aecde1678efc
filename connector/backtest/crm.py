"""A history of leads with known outcomes read from the CRM itself (`backtest --from-crm`).

A lead converted when its lifecycle stage is an outcome stage (opportunity, customer or later, by
default). It is scored as of the moment it first entered one: HubSpot stamps that moment in
`hs_lifecyclestage_<stage>_date` [HubSpot default contact properties, knowledge.hubspot.com;
crm-api-facts.md, lifecycle stage], so only its activity before then counts and its outcome
cannot leak into its own prediction. Leads that did not convert are scored as of the cutoff.
Property values are today's: they are read without their history, which the summary says.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from connector.backtest.loader import LabeledLead, LeadHistory
from connector.scoring.leadfile import parse_timestamp
from connector.scoring.types import Lead

if TYPE_CHECKING:
    from connector.crm.hubspot.adapter import HubSpotAdapter

OUTCOME_STAGES = ("opportunity", "customer", "evangelist")
STAGE_PROPERTY = "lifecyclestage"


def _date_property(stage: str) -> str:
    return f"hs_lifecyclestage_{stage}_date"


def history_from_crm(adapter: HubSpotAdapter, outcome_stages: Sequence[str] = OUTCOME_STAGES) -> LeadHistory:
    """Every contact of the portal (one full read pass), labelled by its lifecycle stage."""
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
    warnings = ["property values are as they are today (their history is not read); events are as of each cutoff"]
    if undated:
        warnings.append(f"{undated} converted contacts without a date of entering {'/'.join(outcome_stages)} were left out")
    return LeadHistory("CRM", STAGE_PROPERTY, leads, warnings, frozenset())
