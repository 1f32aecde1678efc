"""The backtest's figures from scored leads: one plain, JSON-ready summary.

A lead is ranked by its total score, fit + engagement (the two scores on one scale).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from connector.backtest import metrics

TOP_SHARES = (0.1, 0.2, 0.3)


@dataclass(frozen=True, slots=True)
class ScoredLead:
    lead_id: str
    outcome: int
    fit: int
    engagement: int
    label: str
    grade: str
    rules: frozenset[str] = frozenset()  # ids of the rules that fired

    @property
    def total(self) -> int:
        return self.fit + self.engagement


@dataclass(frozen=True, slots=True)
class ModelFacts:
    """What the summary needs to know of the model: names and order of labels, bands and rules."""

    name: str
    version: str
    labels: tuple[str, ...]
    fit_bands: tuple[str, ...]
    engagement_bands: tuple[str, ...]
    rules: tuple[str, ...]
    rule_texts: dict[str, str] = field(default_factory=dict)  # id -> what the rule checks


def _rate(r: metrics.Rate) -> dict[str, float]:
    return {"leads": r.leads, "conversions": r.conversions, "rate": r.rate, "low": r.low, "high": r.high}


def summarize(scored: Sequence[ScoredLead], facts: ModelFacts, warnings: Sequence[str] = ()) -> dict[str, Any]:
    """Every figure of the backtest, as one JSON-ready object (see README, "Backtest")."""
    outcomes = [s.outcome for s in scored]
    totals = [s.total for s in scored]
    conversions = sum(outcomes)
    both = 0 < conversions < len(scored)
    summary: dict[str, Any] = {
        "model": {"name": facts.name, "version": facts.version},
        "leads": len(scored),
        "conversions": conversions,
        "conversion_rate": conversions / len(scored) if scored else 0.0,
        "auc": metrics.roc_auc(totals, outcomes) if both else None,
        "average_precision": metrics.precision_recall(totals, outcomes)[3] if both else None,
    }
    for fraction in TOP_SHARES:
        top = metrics.top_share(totals, outcomes, fraction)
        key = f"top{round(fraction * 100)}"
        summary[f"{key}_conversion"] = top.conversion
        summary[f"{key}_recall"] = top.recall
    by_label = metrics.conversion_by([s.label for s in scored], outcomes)
    summary["conversion_by_label"] = {
        label: _rate(by_label[label]) for label in (*facts.labels, *sorted(set(by_label) - set(facts.labels))) if label in by_label
    }
    by_grade = metrics.conversion_by([s.grade for s in scored], outcomes)
    summary["conversion_by_grade"] = {cell: _rate(by_grade[cell]) for cell in _grade_order(facts, by_grade)}
    summary["deciles"] = [asdict(d) for d in metrics.deciles(totals, outcomes)]
    summary["calibration"] = [
        {"low": b.low, "high": b.high, "mean_score": b.mean_score, **_rate(b.rate)} for b in metrics.calibration(totals, outcomes)
    ]
    fired = {rule: [rule in s.rules for s in scored] for rule in facts.rules}
    summary["rules"] = [
        {
            "rule": stat.rule,
            "checks": facts.rule_texts.get(stat.rule, ""),
            "fired": stat.fired,
            "fire_rate": stat.fire_rate,
            "with": _rate(stat.with_rule),
            "without": _rate(stat.without_rule),
            "difference": stat.difference,
            "significant": stat.with_rule.low > stat.without_rule.high or stat.with_rule.high < stat.without_rule.low,
        }
        for stat in metrics.rule_stats(fired, outcomes)
    ]
    summary["warnings"] = list(warnings)
    return summary


def _grade_order(facts: ModelFacts, seen: dict) -> list[str]:
    cells = [f + e for f in facts.fit_bands for e in facts.engagement_bands]
    return [c for c in cells if c in seen] + sorted(set(seen) - set(cells))


def split_grade(grade: str, facts: ModelFacts) -> tuple[str, str] | None:
    """A grade cell ("A1") as (fit band, engagement band), or None if the model has no such cell."""
    for f in facts.fit_bands:
        if grade.startswith(f) and grade[len(f):] in facts.engagement_bands:
            return f, grade[len(f):]
    return None
