"""Both models on one history of outcomes: each lead scored as of its cutoff by the backtest, once
per model, then the paired figures and the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from connector.backtest.loader import LeadHistory
from connector.backtest.runner import Backtest, run_backtest
from connector.compare.paired import Figure, Verdict, paired_bootstrap, ranked, verdict
from connector.scoring import ScoringModel


@dataclass(frozen=True)
class HistoryComparison:
    source: str
    leads: int
    conversions: int
    resamples: int
    seed: int
    figures: list[Figure]
    verdict: Verdict
    warnings: list[str] = field(default_factory=list)


def _ranked(run: Backtest, model: ScoringModel):
    hot = model.label_names[0]
    return ranked([s.total for s in run.scored], [s.label == hot for s in run.scored])


def compare_history(history: LeadHistory, baseline: ScoringModel, candidate: ScoringModel, *,
                    cutoff: datetime, explicit_cutoff: bool, resamples: int = 1000,
                    seed: int = 0) -> HistoryComparison:
    """Score `history` with both models (each lead as of its own cutoff, or `cutoff`) and compare
    them lead for lead."""
    runs = {side: run_backtest(history, model, cutoff, explicit_cutoff)
            for side, model in (("baseline", baseline), ("new model", candidate))}
    outcomes = [s.outcome for s in runs["baseline"].scored]
    figures = paired_bootstrap(outcomes, _ranked(runs["baseline"], baseline),
                               _ranked(runs["new model"], candidate), resamples=resamples, seed=seed)
    warnings = list(dict.fromkeys(
        warning if warning in history.warnings else f"{side}: {warning}"
        for side, run in runs.items() for warning in run.summary["warnings"]
    ))
    return HistoryComparison(history.source, len(outcomes), sum(outcomes), resamples, seed,
                             figures, verdict(figures), warnings)
