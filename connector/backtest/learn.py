"""`leadscore fit` from end to end: history in, a checked model file's text out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from connector.backtest.compact import Subset, as_of_leads, ids_of, outcomes_of
from connector.backtest.calibration import MIN_CONVERSIONS, cross_fitted, estimate, table_text, with_table
from connector.backtest.calibration import reliability as calibration_reliability
from connector.backtest.fit import FitOptions, FittedModel, fit_model, scores
from connector.backtest.leaks import suspects
from connector.backtest.loader import LeadHistory
from connector.backtest.validation import Later, Validation, cross_validate
from connector.backtest.writer import FitContext, write_model
from connector.scoring import ScoringModel, parse_model, score_lead
from connector.scoring.types import Lead


@dataclass
class LearnedModel:
    text: str
    model: ScoringModel
    fitted: FittedModel
    validation: Validation | None
    warnings: list[str]
    calibration: dict | None = None  # the table's reliability on the leads it was estimated on


def _disagreements(model: ScoringModel, fitted: FittedModel, leads: list[Lead], nows: list[datetime]) -> list[str]:
    """Leads the core scores differently from the fit's own points table (there should be none)."""
    table = fitted.points
    wrong = []
    for lead, now in zip(leads, nows):
        result = score_lead(lead, model, now)
        expected = (table.fit_score(lead, now), table.engagement_score(lead, now))
        if (result.fit, result.engagement) != expected:
            wrong.append(f"{lead.id}: core {result.fit}/{result.engagement}, fit {expected[0]}/{expected[1]}")
    return wrong


CURRENT = "current model"


def _current_scorer(model: ScoringModel):  # noqa: ANN202 (a validation Scorer)
    def score(leads: list[Lead], nows: list[datetime]) -> np.ndarray:
        results = (score_lead(lead, model, now) for lead, now in zip(leads, nows))
        return np.array([r.fit + r.engagement for r in results], dtype=float)

    return score


def learn(history: LeadHistory, cutoff: datetime, options: FitOptions, name: str, validate: bool = True,
          current: ScoringModel | None = None) -> LearnedModel:
    """Fit on every lead, validate on held-out folds (beside `current`, the model in use, when
    given), write the model and check it with the core."""
    leads, nows = as_of_leads(history.leads, cutoff)
    y = np.asarray(history.outcomes, dtype=int)
    fitted = fit_model(leads, nows, y, options)
    warnings = [*history.warnings, *suspects(fitted.points.candidates, leads, nows, y), *fitted.notes]
    scorers = {CURRENT: _current_scorer(current)} if current is not None else None
    later, later_outcomes = _snapshot_items(history, cutoff)
    validation = cross_validate(leads, nows, y, options, scorers=scorers, later=later) if validate else None
    lines = validation.summary_lines() if validation else ["Not validated on held-out folds (--folds 0)."]
    events = frozenset(event.type for lead in leads for event in lead.events)
    context = FitContext(name, history.source, len(y), int(y.sum()), sorted(history.left_out), "\n".join(lines), fitted.c, events)
    text = write_model(fitted, context, fitted.points.candidates.matrix(leads, nows), y)
    sample = _calibration_sample(history, validation, y, (later, later_outcomes), warnings, fitted, leads, nows)
    reliability = None
    if sample is not None:
        held_out, outcomes, how = sample
        table = estimate(held_out, outcomes, history.horizon_days, history.converted, 0)  # type: ignore[arg-type]
        text = with_table(text, table_text(table, how))
        reliability = {**calibration_reliability(cross_fitted(held_out, outcomes, 0), outcomes),
                       "horizon_days": history.horizon_days}
    model = parse_model(text, f"fitted model {name!r}")
    wrong = _disagreements(model, fitted, leads, nows)
    if wrong:
        raise RuntimeError(f"the written model scores {len(wrong)} leads differently from the fit, e.g. {wrong[0]}")
    return LearnedModel(text, model, fitted, validation, warnings, reliability)


def _snapshot_items(history: LeadHistory, cutoff: datetime) -> tuple[Later, np.ndarray]:
    """The snapshot's leads with the index of each one's own lead in the history (its fold),
    and their outcomes; those whose lead the history left out are left out."""
    if not history.snapshot:
        return Later([], [], []), np.zeros(0, dtype=int)
    index = {lead_id: i for i, lead_id in enumerate(ids_of(history.leads))}
    leads, nows = as_of_leads(history.snapshot, cutoff)
    outcomes = outcomes_of(history.snapshot)
    ids = ids_of(history.snapshot)
    kept = [j for j, lead_id in enumerate(ids) if lead_id in index]
    later = Later([index[ids[j]] for j in kept], Subset(leads, kept), [nows[j] for j in kept])
    return later, np.array([outcomes[j] for j in kept], dtype=int)


def _on_final_scale(held_out: np.ndarray, folds: np.ndarray, final: np.ndarray) -> np.ndarray:
    """Held-out scores carried to the written model's scale by rank: each fold's model puts its
    best lead at about max_points, so the folds' points per unit of log-odds (and their zero)
    differ a little from the written model's; a held-out score becomes the written model's
    score at the same share of leads (its mid-rank among its fold's held-out scores), so the
    table keys the probabilities to the scores the written model gives."""
    out = np.zeros(len(held_out))
    for k in np.unique(folds):
        mine = folds == k
        scores = held_out[mine]
        ranks = (np.searchsorted(np.sort(scores), scores, "left") + np.searchsorted(np.sort(scores), scores, "right")) / 2
        out[mine] = np.quantile(final, ranks / len(scores), method="lower")
    return out


def _calibration_sample(history: LeadHistory, validation: Validation | None, y: np.ndarray,
                        snapshot: tuple[Later, np.ndarray], warnings: list[str], fitted: FittedModel,
                        leads: Sequence[Lead], nows: list[datetime]) -> tuple[np.ndarray, np.ndarray, str] | None:
    """Held-out scores (on the written model's scale) and outcomes to estimate the calibration
    table on, and a phrase saying where they come from; None (with a warning why) when there is
    no horizon or too little."""
    if history.horizon_days is None:
        return None
    if validation is None:
        warnings.append("no calibration table: it is estimated on held-out folds (--folds 0 skips them)")
        return None
    if history.snapshot is not None:
        later, outcomes = snapshot
        fit, engagement = scores(fitted.points, later.leads, later.nows)
        held_out, folds = validation.later, validation.fold_of[later.indexes]
        what = (f"the leads as they were {history.horizon_days} days before the cutoff, each scored by the fold's "
                "model that held it out")
    else:
        fit, engagement = scores(fitted.points, leads, nows)
        outcomes, held_out, folds = y, validation.held_out, validation.fold_of
        what = "each lead scored by the fold's model that held it out"
    scored = _on_final_scale(held_out, folds, fit + engagement)
    if outcomes.sum() < MIN_CONVERSIONS or len(outcomes) - outcomes.sum() < MIN_CONVERSIONS:
        warnings.append(f"no calibration table: {int(outcomes.sum())} of {len(outcomes):,} held-out leads converted within "
                        f"{history.horizon_days} days, and it needs at least {MIN_CONVERSIONS} of each outcome")
        return None
    return scored, outcomes, f"{len(outcomes):,} held-out leads ({what})"
