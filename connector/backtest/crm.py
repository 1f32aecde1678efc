"""A history of leads with known outcomes read from the CRM itself (`backtest --from-crm`).

A lead converted when its stage is an outcome stage (opportunity, customer or later, by
default). It is scored as of the moment it first entered one, so only its activity before then
counts and its outcome cannot leak into its own prediction. Leads that did not convert are scored
as of the cutoff. The properties the model reads are taken as they were at each converted lead's
cutoff (a value set later was not known then). Both come from the adapter's `PropertyHistory`
capability; a CRM whose adapter lacks it stops with a UserError saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from connector.backtest.loader import LabeledLead, LeadHistory
from connector.crm.base import CrmAdapter, PropertyHistory
from connector.scoring.types import Lead

OUTCOME_STAGES = ("opportunity", "customer", "evangelist")


def _as_they_were(source: PropertyHistory, leads: list[LabeledLead], names: Sequence[str]) -> list[LabeledLead]:
    cutoffs = {item.lead.id: item.as_of for item in leads if item.as_of is not None}
    past = source.values_as_of(cutoffs, names)
    then = []
    for item in leads:
        values = past.get(item.lead.id)
        if values is not None:
            item = replace(item, lead=replace(item.lead, properties={**item.lead.properties, **values}))
        then.append(item)
    return then


def history_from_crm(adapter: CrmAdapter, model_properties: Sequence[str],
                     outcome_stages: Sequence[str] = OUTCOME_STAGES) -> LeadHistory:
    """Every lead of the CRM (one full read pass), labelled by its stage, each converted one with
    the model's properties as they were when it converted."""
    source = adapter.property_history()
    leads: list[LabeledLead] = []
    undated = 0
    for staged in source.staged_leads(outcome_stages):
        lead = staged.lead
        converted = lead.stage in outcome_stages
        dates = [staged.entered[s] for s in outcome_stages if s in staged.entered]
        if converted and not dates:
            undated += 1
            continue
        neutral = Lead(lead.id, lead.properties, lead.events, None)
        leads.append(LabeledLead(neutral, int(converted), min(dates) if converted else None))
    leads = _as_they_were(source, leads, model_properties)
    warnings = []
    if undated:
        warnings.append(f"{undated} converted leads without a date of entering {'/'.join(outcome_stages)} were left out")
    return LeadHistory("CRM", "stage", leads, warnings, frozenset())
