"""The validated, precompiled scoring model: frozen dataclasses the engine reads.

`connector.scoring.checker` builds them from a model file's data; `ScoringModel.__post_init__`
adds the engine's plans (rules by property and by event type) and its small memo caches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from bisect import bisect_right
from dataclasses import dataclass, field

from connector.scoring.conditions import Condition, base_op
from connector.scoring.decay import Decay
from connector.scoring.points import UNIT, to_units

HUBSPOT_STAGES = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
)


@dataclass(frozen=True, slots=True)
class Bounds:
    min: int
    max: int


@dataclass(frozen=True, slots=True)
class Group:
    """Rules sharing a cap: the sum of their points is held within [min, max]."""

    name: str
    min: float | None
    max: float | None
    min_units: int | None = field(init=False, compare=False)
    max_units: int | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "min_units", None if self.min is None else to_units(self.min))
        object.__setattr__(self, "max_units", None if self.max is None else to_units(self.max))


@dataclass(frozen=True, slots=True)
class FitRule:
    id: str
    condition: Condition
    points: float
    group: str | None
    reason: str  # a sentence; "{value}" is replaced by the lead's value
    index: int  # position in the file, the order reasons are listed in


@dataclass(frozen=True, slots=True)
class EngagementRule:
    id: str
    event: str
    where: tuple[Condition, ...]
    points: float  # per event
    max_events: int | None
    max_points: float | None  # bound on the rule's total (on its size, for negative rules)
    decay: Decay
    group: str | None
    reason: str
    index: int
    # Precompiled for the engine: points per event in fixed-point units, max_points likewise.
    unit_points: float = field(init=False, compare=False)
    limit_units: int | None = field(init=False, compare=False)
    factor: Callable[[float], float] | None = field(init=False, compare=False)  # None: no decay
    discrete: bool = field(init=False, compare=False)  # the decay factor takes few values (none, steps)
    # The entry of one event, by decay factor, for discrete rules (a few entries at most).
    single_entries: dict = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "unit_points", self.points * UNIT)
        object.__setattr__(self, "factor", self.decay.compiled())
        object.__setattr__(self, "discrete", self.decay.kind in ("none", "steps"))
        object.__setattr__(self, "single_entries", {})
        object.__setattr__(self, "limit_units", None if self.max_points is None else to_units(self.max_points))


@dataclass(frozen=True, slots=True)
class Label:
    name: str
    min_fit: float | None
    min_engagement: float | None


@dataclass(frozen=True, slots=True)
class Band:
    name: str
    min: float


@dataclass(frozen=True, slots=True)
class StageRule:
    """Promote to `stage` when every given condition holds (scores, and an event seen)."""

    stage: str
    min_fit: float | None
    min_engagement: float | None
    event: str | None
    where: tuple[Condition, ...]
    within_days: float | None


@dataclass(frozen=True, slots=True)
class FitPlan:
    """The fit rules reading one property, so its value is read once per lead.

    `cache` memoizes what the rules give for a value (scoring is a pure function of it);
    `by_domain` says the rules only look at an email's domain, so the domain is the key.
    """

    property: str
    rules: tuple[FitRule, ...]
    by_domain: bool
    local_groups: frozenset[str]  # groups whose rules all read this property
    cache: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class EventPlan:
    """The engagement rules on one event type, and the attributes their conditions read;
    `cache` memoizes which rules those attribute values match. `staged`: a stage rule looks for
    this event type too, so the engine keeps such events for the stage rules."""

    event: str
    rules: tuple[EngagementRule, ...]
    attributes: tuple[str, ...]
    staged: bool = False
    cache: dict = field(default_factory=dict, compare=False, hash=False)
    single: str | None = field(init=False, compare=False)  # the attribute, when only one is read
    indexes: tuple[int, ...] = field(init=False, compare=False)  # all the rules, by index

    def __post_init__(self) -> None:
        object.__setattr__(self, "single", self.attributes[0] if len(self.attributes) == 1 else None)
        object.__setattr__(self, "indexes", tuple(rule.index for rule in self.rules))


ROLLUPS = ("sum", "max", "top3_mean")


@dataclass(frozen=True, slots=True)
class CalibrationBand:
    """Leads whose score (fit + engagement) is at least `min_score` (and below the next band's):
    `probability` percent of them converted within the horizon; `leads` is how many the band
    was estimated on."""

    min_score: int
    probability: float
    leads: int


@dataclass(frozen=True, slots=True)
class Calibration:
    """A model file's `[calibration]` table: a score's conversion probability within
    `horizon_days`, estimated on `leads` held-out leads (`conversions` of them converted).
    Bands ascend by score and never by probability the other way (the checker makes sure)."""

    horizon_days: int
    leads: int
    conversions: int
    outcome: str  # what converting means, as the sentence says it: "became customers"
    bands: tuple[CalibrationBand, ...]
    minimums: tuple[int, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "minimums", tuple(band.min_score for band in self.bands))

    def probability(self, score: int) -> float:
        """The percent of the band holding `score` (a score below the first band: the first)."""
        return self.bands[max(0, bisect_right(self.minimums, score) - 1)].probability


@dataclass(frozen=True)
class AccountModel:
    """A model file's `[account]` section: how a company (account) is scored.

    `fit` is a model of its own holding the account's fit rules (on company properties), its
    labels and grade bands, and no engagement rules: an account's engagement is not read from
    events but rolled up from its contacts' engagement scores (`rollup`: their sum, the highest,
    or the mean of the three highest), held within the model's engagement minimum and `cap`.
    The `named` contacts that contribute most are named in the reasons."""

    fit: ScoringModel
    rollup: str
    cap: int
    named: int = 3


@dataclass(frozen=True)
class ScoringModel:
    name: str
    version: str
    source: str
    description: str
    fit_bounds: Bounds
    engagement_bounds: Bounds
    lists: Mapping[str, tuple[str, ...]]
    groups: Mapping[str, Group]
    fit_rules: tuple[FitRule, ...]
    engagement_rules: tuple[EngagementRule, ...]
    default_decay: Decay
    labels: tuple[Label, ...]
    fit_bands: tuple[Band, ...]
    engagement_bands: tuple[Band, ...]
    stages: tuple[str, ...]
    stage_rules: tuple[StageRule, ...]
    # Several models per portal: `key` names this one's properties (None: leadscore's plain
    # names); `moves_stage` marks the one model of a set whose stage is written.
    key: str | None = None
    moves_stage: bool = False
    account: AccountModel | None = None  # the [account] section; None: companies are not scored
    calibration: Calibration | None = None  # the [calibration] table; None: no probability
    # Precompiled for the engine.
    fit_plan: tuple[FitPlan, ...] = field(init=False, repr=False, compare=False)
    fit_steps: tuple[tuple[str, bool, dict, FitPlan], ...] = field(init=False, repr=False, compare=False)
    fit_plan_in_order: bool = field(init=False, repr=False, compare=False)  # rules of a property are adjacent
    event_plans: Mapping[str, EventPlan] = field(init=False, repr=False, compare=False)
    stage_rank: Mapping[str, int] = field(init=False, repr=False, compare=False)
    reason_cache: dict = field(init=False, repr=False, compare=False)
    verdict_cache: dict = field(init=False, repr=False, compare=False)  # (fit, engagement) → (label, grade)

    def __post_init__(self) -> None:
        plans: dict[str, list[FitRule]] = {}
        for rule in self.fit_rules:
            plans.setdefault(rule.condition.target, []).append(rule)
        # A group whose rules all read one property can be capped with that property's value.
        readers: dict[str, set[str]] = {}
        for rule in self.fit_rules:
            if rule.group is not None:
                readers.setdefault(rule.group, set()).add(rule.condition.target)
        fit_plan = tuple(
            FitPlan(
                prop,
                tuple(rules),
                all(base_op(r.condition.op) == "email_domain_in" and "{" not in r.reason for r in rules),
                frozenset(r.group for r in rules if r.group is not None and readers[r.group] == {prop}),
            )
            for prop, rules in plans.items()
        )
        by_event: dict[str, list[EngagementRule]] = {}
        for erule in self.engagement_rules:
            by_event.setdefault(erule.event, []).append(erule)
        staged = {rule.event for rule in self.stage_rules if rule.event is not None}
        for event in staged:
            by_event.setdefault(event, [])
        event_plans = {
            event: EventPlan(event, tuple(rules), tuple(dict.fromkeys(c.target for r in rules for c in r.where)),
                             event in staged)
            for event, rules in by_event.items()
        }
        object.__setattr__(self, "fit_plan", fit_plan)
        object.__setattr__(self, "fit_steps", tuple((p.property, p.by_domain, p.cache, p) for p in fit_plan))
        order = [rule.index for p in fit_plan for rule in p.rules]
        object.__setattr__(self, "fit_plan_in_order", order == sorted(order))
        object.__setattr__(self, "event_plans", event_plans)
        object.__setattr__(self, "stage_rank", {name: i for i, name in enumerate(self.stages)})
        object.__setattr__(self, "reason_cache", {})
        object.__setattr__(self, "verdict_cache", {})

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels)

    @property
    def grades(self) -> tuple[str, ...]:
        """Every grade the model can give, best first."""
        return tuple(f.name + e.name for f in self.fit_bands for e in self.engagement_bands)
