"""A history of leads with known outcomes read from the CRM itself (`backtest --from-crm`,
`fit --from-crm`), each lead as it was at a moment that cannot leak its outcome.

Outcome: a lead converted when it reached an outcome stage (opportunity, customer or later, by
default; on Salesforce, a converted Lead).

The as-of rule. A converter is scored as of the moment it first reached an outcome stage: only
its activity before then counts, and its properties are taken as they were then (the CRM's
property history), so nothing its conversion caused (onboarding meetings, a lead status cleared,
a title corrected by the account team) can explain it. A lead that did not convert is scored as
of a *comparable* moment: as old as a converter was when it converted, a converter created about
when it was (its `MATCH_NEIGHBOURS` nearest by creation date; which one is fixed by the lead's
id, so a rerun gives the same moments). Scoring non-converters as of today instead would compare
converters at the height of their interest with non-converters after months of going cold, or
with a whole life's totals: the model would learn when a lead is looked at, not who converts.
Matching both age and creation date keeps both groups observed over the same span of their lives
and over the same calendar time (the same campaigns, the same activity the CRM still holds). A
non-converter younger than its matched age is scored as of `now` (its life so far). Leads
without a creation date are scored as of `now`, and said so.
"""

from __future__ import annotations

import bisect
import zlib
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta

from connector.backtest.asof import as_of
from connector.backtest.compact import CompactHistory, CompactLeads
from connector.backtest.loader import LabeledLead, LeadHistory
from connector.crm.base import CrmAdapter, PropertyHistory, StagedLead
from connector.errors import UserError
from connector.scoring.types import Lead

OUTCOME_STAGES = ("opportunity", "customer", "evangelist")
MATCH_NEIGHBOURS = 20  # converters nearest by creation date a non-converter's age is drawn from
# The fewest conversions `fit --from-crm` learns from: the fit holds out a fifth of them five
# times over and needs about 30 leads behind every rule it writes, so below this its held-out
# figures are noise and its rules few.
MIN_CONVERSIONS = 50


class _Reads:
    """The full read's leads, compact (connector.backtest.compact), with when each was created
    and (a converter) converted. Every attribute is kept: the CRM's history may match events
    by them (HubSpot's counters as of a moment)."""

    def __init__(self) -> None:
        self.leads = CompactLeads()
        self.created: list[datetime | None] = []
        self.converted: list[datetime | None] = []

    def append(self, lead: Lead, created: datetime | None, converted_at: datetime | None) -> None:
        self.leads.append(lead)
        self.created.append(created)
        self.converted.append(converted_at)

    def __len__(self) -> int:
        return len(self.created)


def _converted_at(staged: StagedLead, outcome_stages: Sequence[str]) -> datetime | None:
    dates = [staged.entered[s] for s in outcome_stages if s in staged.entered]
    return min(dates) if dates else None


class _AgeMatcher:
    """Converters' ages at conversion, ordered by creation date, to match non-converters to."""

    def __init__(self, reads: _Reads) -> None:
        pairs = sorted((created, converted - created) for created, converted in zip(reads.created, reads.converted)
                       if converted is not None and created is not None and converted >= created)
        self.created = [c for c, _ in pairs]
        self.ages = [a for _, a in pairs]

    def moment(self, lead_id: str, created: datetime | None, now: datetime) -> datetime:
        if created is None or not self.ages:
            return now
        at = bisect.bisect_left(self.created, created)
        lo = max(0, min(at - MATCH_NEIGHBOURS // 2, len(self.ages) - MATCH_NEIGHBOURS))
        window = self.ages[lo : lo + MATCH_NEIGHBOURS]
        age = window[zlib.crc32(lead_id.encode()) % len(window)]
        return min(created + age, now)


def comparable_moments(reads: _Reads, now: datetime) -> list[datetime]:
    """Each lead's moment: its conversion, or for a non-converter the age-matched moment."""
    matcher = _AgeMatcher(reads)
    return [converted or matcher.moment(lead_id, created, now)
            for lead_id, created, converted in zip(reads.leads.ids, reads.created, reads.converted)]


def history_from_crm(adapter: CrmAdapter, properties: Sequence[str], outcome_stages: Sequence[str] = OUTCOME_STAGES,
                     *, now: datetime, extra: Sequence[str] = (), exclude: Sequence[str] = (),
                     horizon_days: int | None = None, attributes: Mapping[str, Sequence[str]] | None = None
                     ) -> LeadHistory:
    """Every lead of the CRM (one full read pass, then its property history in batches), labelled
    by its stage, each as it was at its moment (module docstring), with only the activity before
    it. `properties` (the model's) and `extra` are the properties the leads carry, less `exclude`.
    With `horizon_days`, the calibration's snapshot too (`snapshot`): one more history read.
    Leads are held compact (connector.backtest.compact), their events with only `attributes`
    (per event type: those the model's conditions read; None: all)."""
    source = adapter.property_history()
    names = [n for n in dict.fromkeys([*properties, *extra]) if n not in set(exclude)]
    reads = _Reads()
    undated = 0
    for staged in source.staged_leads(outcome_stages, [n for n in extra if n not in set(exclude)]):
        converted_at = _converted_at(staged, outcome_stages)
        if staged.lead.stage in outcome_stages and converted_at is None:
            undated += 1
            continue
        reads.append(staged.lead, staged.created, converted_at if staged.lead.stage in outcome_stages else None)
    moments = comparable_moments(reads, now)
    leads = _leads_then(source, reads, moments, names, attributes)
    warnings = []
    if undated:
        warnings.append(f"{undated} converted leads without a date of entering {'/'.join(outcome_stages)} were left out")
    uncreated = sum(1 for created, converted in zip(reads.created, reads.converted) if converted is None and created is None)
    if uncreated:
        warnings.append(f"{uncreated} leads that did not convert have no creation date: scored as of now")
    untracked = list(source.untracked(names))
    if untracked:
        warnings.append(f"{', '.join(untracked)}: no past values in {adapter.title} (history not tracked?), so their"
                        " values now were used, possibly set after converting (a leak); fix: track their history,"
                        f" or leave them out with --exclude {','.join(untracked)}")
    snapshot = None
    if horizon_days is not None:
        snapshot = _snapshot(source, reads, now - timedelta(days=horizon_days), names, attributes)
    return LeadHistory(f"{adapter.title} (converted: reached {'/'.join(outcome_stages)})", "stage", leads, warnings,
                       frozenset(), horizon_days, snapshot, outcome_words(outcome_stages))


def outcome_words(stages: Sequence[str]) -> str:
    """How the probability's sentence says converting: "became customers", "reached opportunity/customer"."""
    if "customer" in stages and set(stages) <= {"customer", "evangelist"}:
        return "became customers"
    return f"reached {'/'.join(stages)}"


def _snapshot(source: PropertyHistory, reads: _Reads, then: datetime, names: Sequence[str],
              attributes: Mapping[str, Sequence[str]] | None) -> CompactHistory:
    """The calibration's sample, a snapshot: every lead created by `then` and not converted by
    then, as it was then (properties from their history, activity up to then), its outcome
    whether it converted since. This is what the probability on a record claims: of leads
    scored like this, how many converted within the horizon. (The fit's own moments, each
    converter just before converting, would overstate it.)"""
    kept = [i for i, (created, converted) in enumerate(zip(reads.created, reads.converted))
            if created is not None and created <= then and (converted is None or converted > then)]
    leads = source.leads_as_of(((reads.leads[i], then) for i in kept), names)
    out = CompactHistory(attributes)
    for i, lead in zip(kept, leads, strict=True):
        out.append(LabeledLead(as_of(lead, then)[0], int(reads.converted[i] is not None), then))
    return out


def _leads_then(source: PropertyHistory, reads: _Reads, moments: Sequence[datetime], names: Sequence[str],
                attributes: Mapping[str, Sequence[str]] | None) -> CompactHistory:
    """The leads as they were at their moments, each with only the activity up to it (dropped as
    it streams, so a lead's later activity is never held), compact."""
    pairs = ((reads.leads[i], m) for i, m in enumerate(moments))
    out = CompactHistory(attributes)
    then: Iterator = source.leads_as_of(pairs, names)
    for i, moment, lead in zip(range(len(reads)), moments, then, strict=True):
        out.append(LabeledLead(as_of(lead, moment)[0], int(reads.converted[i] is not None), moment))
    return out


def require_conversions(history: LeadHistory, minimum: int = MIN_CONVERSIONS) -> None:
    """Stop with a clear message when there are too few conversions to learn points from."""
    converted = sum(history.outcomes)
    if converted < minimum:
        raise UserError(
            f"{history.source}: {converted} of {len(history.leads):,} leads converted, fewer than the {minimum} "
            "fit --from-crm needs to learn points it can check on held-out leads; fix: wait for more conversions, "
            "widen --outcome-stages, or measure the model you have with leadscore backtest --from-crm."
        )
