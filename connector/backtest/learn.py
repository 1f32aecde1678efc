"""`leadscore fit` from end to end: history in, a checked model file's text out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from connector.backtest.asof import as_of, cutoff_of
from connector.backtest.fit import FitOptions, FittedModel, fit_model
from connector.backtest.leaks import suspects
from connector.backtest.loader import LeadHistory
from connector.backtest.validation import Validation, cross_validate
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
    nows = [cutoff_of(item, cutoff) for item in history.leads]
    leads = [as_of(item.lead, now)[0] for item, now in zip(history.leads, nows)]
    y = np.asarray(history.outcomes, dtype=int)
    fitted = fit_model(leads, nows, y, options)
    warnings = [*history.warnings, *suspects(fitted.points.candidates, leads, nows, y), *fitted.notes]
    scorers = {CURRENT: _current_scorer(current)} if current is not None else None
    validation = cross_validate(leads, nows, y, options, scorers=scorers) if validate else None
    lines = validation.summary_lines() if validation else ["Not validated on held-out folds (--folds 0)."]
    events = frozenset(event.type for lead in leads for event in lead.events)
    context = FitContext(name, history.source, len(y), int(y.sum()), sorted(history.left_out), "\n".join(lines), fitted.c, events)
    text = write_model(fitted, context, fitted.points.candidates.matrix(leads, nows), y)
    model = parse_model(text, f"fitted model {name!r}")
    wrong = _disagreements(model, fitted, leads, nows)
    if wrong:
        raise RuntimeError(f"the written model scores {len(wrong)} leads differently from the fit, e.g. {wrong[0]}")
    return LearnedModel(text, model, fitted, validation, warnings)
