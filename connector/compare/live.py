"""Both models on the live CRM: one full read pass through the adapter, every lead scored by the
baseline and by the new model at the same moment, nothing written. What a model edit would move:
labels, grades and lifecycle stages (from the baseline's value to the new model's), the rules
whose points changed on the leads that move, and the leads that move most.

Both results are taken at the same `now`, so decay since the last sync plays no part: every
difference is the model edit's."""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field, replace

from connector.backtest.runner import model_facts
from connector.crm.base import CrmAdapter, LeadRecord, RunTimes
from connector.scoring import ScoringModel, score_lead
from connector.scoring.types import ScoreResult
from connector.crm.text import format_reasons
from connector.sync.loop import display_name

EXAMPLES = 20
DRIVERS = 10


@dataclass(frozen=True, slots=True)
class Side:
    """One model's result for a lead, as a rep would see it on the record."""

    fit: int
    engagement: int
    label: str
    grade: str
    stage: str
    reasons: str

    @property
    def total(self) -> int:
        return self.fit + self.engagement


@dataclass(frozen=True, slots=True)
class Example:
    lead_id: str
    name: str
    baseline: Side
    candidate: Side


@dataclass(frozen=True, slots=True)
class Driver:
    """A rule whose points differ between the models on leads whose label, grade or stage moves:
    on how many of them, and by how many points in all (new minus baseline; None for the stage
    rules, which give no points)."""

    rule: str
    checks: str
    leads: int
    points: int | None


@dataclass
class LiveComparison:
    crm: str
    leads: int = 0
    moved: int = 0  # leads whose label, grade or stage would differ
    label_moves: Counter = field(default_factory=Counter)  # (baseline's, new model's) → leads
    grade_moves: Counter = field(default_factory=Counter)
    stage_moves: Counter = field(default_factory=Counter)
    drivers: list[Driver] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)


def reading_model(baseline: ScoringModel, candidate: ScoringModel) -> ScoringModel:
    """A model whose fit rules read every property either model reads, for opening the adapter
    (it reads the properties its model's rules read); it never scores a lead."""
    read = {plan.property for plan in candidate.fit_plan}
    extra = tuple(rule for rule in baseline.fit_rules if rule.condition.target not in read)
    return replace(candidate, fit_rules=candidate.fit_rules + extra) if extra else candidate


def _side(record: LeadRecord, result: ScoreResult) -> Side:
    stage = result.stage or record.lead.stage or "none"
    return Side(result.fit, result.engagement, result.label, result.grade, stage, format_reasons(result))


def _stage_rules(model: ScoringModel, stage: str) -> tuple:
    return tuple((r.min_fit, r.min_engagement, r.event, tuple(c.summary for c in r.where), r.within_days)
                 for r in model.stage_rules if r.stage == stage)


def _stage_text(rules: tuple) -> str:
    parts = []
    for min_fit, min_engagement, event, where, within in rules:
        said = [f"fit ≥ {min_fit:g}"] if min_fit is not None else []
        said += [f"engagement ≥ {min_engagement:g}"] if min_engagement is not None else []
        if event is not None:
            said.append(f"a {event}" + (f" where {', '.join(where)}" if where else "")
                        + (f" within {within:g} days" if within is not None else ""))
        parts.append(" and ".join(said) or "always")
    return " or ".join(parts) or "no rule"


def stage_checks(baseline: ScoringModel, candidate: ScoringModel) -> dict[str, str]:
    """By stage: what the two models' rules to it check, when they differ."""
    texts = {}
    for stage in dict.fromkeys((*candidate.stages, *baseline.stages)):
        old, new = _stage_rules(baseline, stage), _stage_rules(candidate, stage)
        if old != new:
            texts[stage] = f"new: {_stage_text(new)}; baseline: {_stage_text(old)}"
    return texts


def _points(result: ScoreResult) -> Counter:
    points: Counter = Counter()
    for reason in result.reasons:
        points[reason.rule] += reason.points
    return points


class _Tally:
    def __init__(self, crm: str, texts: dict[str, str], stages: dict[str, str], rank: dict[str, int]) -> None:
        self.live = LiveComparison(crm)
        self.texts = texts
        self.stages = stages  # stage → what its changed rules check
        self.rank = rank  # stage → its place in the funnel
        self.rule_leads: Counter = Counter()
        self.rule_points: Counter = Counter()
        self.heap: list[tuple[tuple, str, Example]] = []

    def add(self, record: LeadRecord, a: ScoreResult, b: ScoreResult) -> None:
        live = self.live
        old, new = _side(record, a), _side(record, b)
        live.leads += 1
        live.label_moves[(old.label, new.label)] += 1
        live.grade_moves[(old.grade, new.grade)] += 1
        live.stage_moves[(old.stage, new.stage)] += 1
        moves = (old.stage != new.stage, old.label != new.label, old.grade != new.grade)
        if any(moves):
            live.moved += 1
            delta = _points(b)
            delta.subtract(_points(a))
            for rule, points in delta.items():
                if points:
                    self.rule_leads[rule] += 1
                    self.rule_points[rule] += points
            if moves[0]:
                self._stage_driver(old.stage, new.stage)
        if any(moves) or old.total != new.total:
            # The leads that move most: a stage move first, then a label, a grade, the score.
            key = (*moves, abs(new.total - old.total))
            item = (key, record.lead.id, Example(record.lead.id, display_name(record), old, new))
            if len(self.heap) < EXAMPLES:
                heapq.heappush(self.heap, item)
            elif item[:2] > self.heap[0][:2]:
                heapq.heapreplace(self.heap, item)

    def _stage_driver(self, old: str, new: str) -> None:
        """A stage move is the doing of the rule to the later of the two stages, when it changed."""
        later = max(old, new, key=lambda stage: self.rank.get(stage, -1))
        if later in self.stages:
            rule = f"stage rule to {later}"
            self.texts.setdefault(rule, self.stages[later])
            self.rule_leads[rule] += 1

    def done(self) -> LiveComparison:
        ranked = sorted(self.rule_leads, key=lambda r: (-self.rule_leads[r], -abs(self.rule_points[r]), r))
        self.live.drivers = [Driver(r, self.texts.get(r, ""), self.rule_leads[r],
                                    None if r.startswith("stage rule to ") else self.rule_points[r])
                             for r in ranked[:DRIVERS]]
        self.live.examples = [e for _, _, e in sorted(self.heap, key=lambda i: (i[0], i[1]), reverse=True)]
        return self.live


def compare_live(adapter: CrmAdapter, baseline: ScoringModel, candidate: ScoringModel,
                 times: RunTimes) -> LiveComparison:
    """Read every lead once (a full pass; no checkpoint, no write) and score it with both models
    as of `times.scoring`."""
    texts = {**model_facts(baseline).rule_texts, **model_facts(candidate).rule_texts}
    tally = _Tally(adapter.title, texts, stage_checks(baseline, candidate), dict(candidate.stage_rank))
    adapter.start_pass(times)
    for page in adapter.iter_pages(None, full=True):
        for record in page.records:
            tally.add(record, score_lead(record.lead, baseline, times.scoring),
                      score_lead(record.lead, candidate, times.scoring))
    return tally.done()
