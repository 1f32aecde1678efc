"""The backtest's figures from scored leads: one plain, JSON-ready summary.

A lead is ranked by its total score, fit + engagement (the two scores on one scale).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from connector.backtest import metrics
from connector.backtest.verdict import verdict

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
    rule_points: dict[str, float] = field(default_factory=dict)  # id -> points (per event for engagement)


@dataclass(frozen=True, slots=True)
class MissingInputs:
    """What the model reads that the history never holds: such rules cannot fire on it."""

    properties: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    read_properties: int = 0  # how many properties and event types the model reads in all
    read_events: int = 0


def _rate(r: metrics.Rate) -> dict[str, float]:
    return {"leads": r.leads, "conversions": r.conversions, "rate": r.rate, "low": r.low, "high": r.high}


def summarize(
    scored: Sequence[ScoredLead], facts: ModelFacts, warnings: Sequence[str] = (), missing: MissingInputs = MissingInputs()
) -> dict[str, Any]:
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
        "auc_interval": list(metrics.auc_interval(totals, outcomes)) if both else None,
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
    integral = all(float(t).is_integer() for t in totals)
    bands = metrics.calibration(totals, outcomes)
    summary["calibration"] = [
        {"band": band_label(b.low, b.high, b is bands[-1], integral), "low": b.low, "high": b.high, "mean_score": b.mean_score, **_rate(b.rate)}
        for b in bands
    ]
    fired = {rule: [rule in s.rules for s in scored] for rule in facts.rules}
    summary["rules"] = [_rule_row(stat, facts) for stat in metrics.rule_stats(fired, outcomes)]
    summary["missing_inputs"] = {
        "properties": list(missing.properties), "events": list(missing.events),
        "read_properties": missing.read_properties, "read_events": missing.read_events,
    }
    summary["warnings"] = [*warnings, *_missing_warnings(missing)]
    summary["verdict"] = verdict(summary, len(set(totals)))
    return summary


def band_label(low: float, high: float, last: bool, integral: bool) -> str:
    """A calibration band as the scores it holds: "40-49" (whole scores from `low` up to below
    `high`, `high` itself too in the last band), "7" for a band holding one whole score."""
    if not integral:
        return f"{low:.4g} to {high:.4g}"
    first = math.ceil(low)
    end = math.floor(high) if last else math.ceil(high) - 1
    return str(first) if end <= first else f"{first}-{end}"


def _rule_row(stat: metrics.RuleStat, facts: ModelFacts) -> dict[str, Any]:
    """One rule's figures. A rule that never fires, or fires on every lead, has no "rest" to be
    compared with: it gets a status and no difference. "wrong_way": the rule's points point one
    way and its leads convert the other, beyond noise (the difference's 95% interval excludes 0)."""
    points = facts.rule_points.get(stat.rule)
    row: dict[str, Any] = {
        "rule": stat.rule,
        "checks": facts.rule_texts.get(stat.rule, ""),
        "points": points,
        "fired": stat.fired,
        "fire_rate": stat.fire_rate,
        "with": _rate(stat.with_rule),
        "without": _rate(stat.without_rule),
    }
    if stat.fired == 0 or stat.without_rule.leads == 0:
        status = "never fires" if stat.fired == 0 else "fires on every lead"
        return {**row, "status": status, "difference": None, "difference_interval": None, "significant": False, "wrong_way": False}
    low, high = stat.difference_interval
    significant = low > 0 or high < 0
    wrong_way = significant and points is not None and ((points < 0 and low > 0) or (points > 0 and high < 0))
    return {**row, "status": "fires", "difference": stat.difference, "difference_interval": [low, high], "significant": significant, "wrong_way": wrong_way}


def _missing_warnings(missing: MissingInputs) -> list[str]:
    out = []
    if missing.properties:
        out.append(
            f"the history holds no value of {len(missing.properties)} of the {missing.read_properties} properties the model reads "
            f"({', '.join(missing.properties)}): the rules on them never fire here"
        )
    if missing.events:
        out.append(
            f"the history holds no event of {len(missing.events)} of the {missing.read_events} event types the model counts "
            f"({', '.join(missing.events)}): the rules and stage rules on them never fire here"
        )
    return out


def _grade_order(facts: ModelFacts, seen: dict) -> list[str]:
    cells = [f + e for f in facts.fit_bands for e in facts.engagement_bands]
    return [c for c in cells if c in seen] + sorted(set(seen) - set(cells))


def split_grade(grade: str, facts: ModelFacts) -> tuple[str, str] | None:
    """A grade cell ("A1") as (fit band, engagement band), or None if the model has no such cell."""
    for f in facts.fit_bands:
        if grade.startswith(f) and grade[len(f):] in facts.engagement_bands:
            return f, grade[len(f):]
    return None
