"""Score a history of leads with a model, each as of its cutoff, and summarize the outcome."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from connector.backtest import calibration
from connector.backtest.asof import as_of, cutoff_of
from connector.backtest.loader import LeadHistory
from connector.backtest.summary import MissingInputs, ModelFacts, ScoredLead, summarize
from connector.errors import UserError
from connector.scoring import ScoringModel, score_lead
from connector.scoring.compiled import Calibration


def model_facts(model: ScoringModel) -> ModelFacts:
    texts = {rule.id: rule.condition.summary for rule in model.fit_rules}
    points = {rule.id: rule.points for rule in (*model.fit_rules, *model.engagement_rules)}
    for rule in model.engagement_rules:
        where = ", ".join(c.summary for c in rule.where)
        texts[rule.id] = f"{rule.event} event" + (f" where {where}" if where else "")
    return ModelFacts(
        name=model.name,
        version=model.version,
        labels=model.label_names,
        fit_bands=tuple(b.name for b in model.fit_bands),
        engagement_bands=tuple(b.name for b in model.engagement_bands),
        rules=tuple(texts),
        rule_texts=texts,
        rule_points=points,
    )


def missing_inputs(model: ScoringModel, history: LeadHistory) -> MissingInputs:
    """The properties the model's fit rules read and the event types its engagement and stage
    rules count that no lead of the history has: the rules on them cannot fire in the backtest."""
    read = {rule.condition.target for rule in model.fit_rules}
    counted = {rule.event for rule in model.engagement_rules} | {r.event for r in model.stage_rules if r.event}
    held = {name for item in history.leads for name, value in item.lead.properties.items() if value is not None}
    seen = {event.type for item in history.leads for event in item.lead.events}
    return MissingInputs(tuple(sorted(read - held)), tuple(sorted(counted - seen)), len(read), len(counted))


def leaked_properties(model: ScoringModel, history: LeadHistory) -> list[str]:
    """Warnings for rules that read a column the mapping marks post-contact (never given)."""
    left_out = {_loose(name) for name in history.left_out}
    return [
        f"rule {rule.id} reads {rule.condition.target!r}, which the mapping marks post-contact: it never fires here"
        for rule in model.fit_rules
        if _loose(rule.condition.target) in left_out
    ]


def _loose(name: str) -> str:
    """"Lead Quality", "lead_quality" and "LeadQuality" name the same column."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass
class Backtest:
    scored: list[ScoredLead]
    facts: ModelFacts
    summary: dict
    cutoff: datetime
    calibration: Calibration | None = None  # the table estimated with `calibrate`


def _note_events(dropped: int, undated: int, explicit_cutoff: bool) -> Iterable[str]:
    if dropped:
        yield f"{dropped} events after the cutoff were not counted (scored as of the cutoff)"
    if undated and explicit_cutoff:
        yield f"{undated} undated events (totals of the export) were counted as of the cutoff: they may include later activity"


def run_backtest(history: LeadHistory, model: ScoringModel, cutoff: datetime, explicit_cutoff: bool,
                 calibrate: bool = False) -> Backtest:
    """Score every lead as of its own cutoff (the mapping's as_of column) or `cutoff`. The
    summary's `reliability`: the model's calibration table checked on the history's calibration
    sample, and with `calibrate` a new table estimated on it (`Backtest.calibration`)."""
    scored: list[ScoredLead] = []
    dropped = undated = 0
    for item in history.leads:
        now = cutoff_of(item, cutoff)
        lead, later, totals = as_of(item.lead, now)
        dropped, undated = dropped + later, undated + totals
        result = score_lead(lead, model, now)
        fired = frozenset(reason.rule for reason in result.reasons)
        scored.append(ScoredLead(lead.id, item.outcome, result.fit, result.engagement, result.label, result.grade, fired))
    facts = model_facts(model)
    per_lead = any(item.as_of for item in history.leads)
    warnings = [*history.warnings, *leaked_properties(model, history), *_note_events(dropped, undated, explicit_cutoff or per_lead)]
    table, checks, notes = _reliability(history, model, cutoff, calibrate)
    summary = summarize(scored, facts, [*warnings, *notes], missing_inputs(model, history))
    summary["reliability"] = checks
    return Backtest(scored, facts, summary, cutoff, table)


def _reliability(history: LeadHistory, model: ScoringModel, cutoff: datetime, calibrate: bool
                 ) -> tuple[Calibration | None, list[dict], list[str]]:
    horizon = history.horizon_days or (model.calibration.horizon_days if model.calibration else None)
    sample = calibration.scored_sample(model, history, cutoff, history.horizon_days)
    if sample is None:
        if calibrate:
            raise UserError("--calibrate needs the window the outcomes were observed in; fix: pass --horizon-days N "
                            "(with --leads: the days after each lead's moment its outcome was recorded).")
        return None, [], []
    entries = [calibration.check_table(model, *sample)] if model.calibration is not None else []
    notes = []
    if model.calibration is not None and model.calibration.horizon_days != horizon:
        notes.append(f"the model's calibration table is for {model.calibration.horizon_days} days, this history's "
                     f"outcomes for {horizon}: its reliability compares unlike windows")
    if not calibrate:
        return None, entries, notes
    table, check = calibration.calibrate(model, *sample, horizon, history.converted)  # type: ignore[arg-type]
    return table, [*entries, check], notes
