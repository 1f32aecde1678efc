"""`score_lead`: one lead, one model, one `now` → fit, engagement, label, grade, stage, reasons.

Pure and deterministic. Points are carried as integers in 1/10,000ths of a point (points.py):
each event's decayed points are rounded to that unit once, then summed as integers (exact, in
any order), and each score is rounded half up to a whole number once at the end; the reasons'
whole points are then allocated so they add up to it (caps.add_up). The only float function
used is `**` for half-life decay, whose last-bit differences between platforms vanish in that
rounding. The model's bounds (limits.py) keep every product finite: no NaN, no infinity.

Speed: what a rule gives depends only on the value it reads, so the model's plans memoize it
(a property value's fit points and reasons, an event's matching rules, an engagement reason's
sentence) in small bounded caches. The caches hold results of pure functions: they change how
fast a lead is scored, never what it scores.

The records the engine passes around are named (Entry, Fired, Staged, ...) and results are built
with ScoreResult's own constructor; bench/bench_scoring.py (200,000 leads, on the shared 2-core
machine) measured 67,000 leads per CPU second with them and the reasons that add up, against
91,000 before. Of that, the constructor costs about 8% (a bypass setting the slots directly made
78,000-80,000): not worth its obscurity, since a CRM API delivers at most a few thousand leads a
second. Only the per-event hit below stays a plain tuple (see Hit).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from math import floor
from operator import attrgetter
from typing import NamedTuple

from connector.scoring.caps import Entry, Held, add_up, apply_group_caps, bound_score
from connector.scoring.compiled import Bounds, Calibration, EngagementRule, EventPlan, FitPlan, ScoringModel, StageRule
from connector.scoring.conditions import Condition
from connector.scoring.events import EVENT_TYPES, SCHEDULED_EVENTS
from connector.scoring.limits import EVENT_COUNT
from connector.scoring.points import UNIT, to_points, to_units
from connector.scoring.reasons import engagement_text, fit_body, make_reason
from connector.scoring.types import DataWarning, Event, Lead, Probability, Reason, ScoreResult
from connector.scoring.values import as_interval, as_text, email_domain, is_unusable, shown

CACHE_LIMIT = 4096  # entries per cache; a full cache is emptied, so memory stays flat
CACHED_CHARS = 512  # longer values are scored without being remembered
_DAY = 86_400.0
_HALF_UNIT = UNIT // 2
_index = attrgetter("index")
_UNSET = object()
_KNOWN_TYPES = frozenset(EVENT_TYPES)
_NO_PROPERTIES: Mapping[str, object] = {}


class Fired(NamedTuple):
    """What a property value gives (memoized by value): the entries of the rules that fire on
    it, and a warning when the value could not be used."""

    entries: tuple[Entry, ...]
    warning: DataWarning | None


# One event (or `count` counted ones) a rule matched: (age in days, count). A plain tuple on
# purpose: it is built for every event and rule, and a NamedTuple here cost 12-15% of the
# scoring throughput in bench/bench_scoring.py (about 66,000 against 77,000 leads per CPU second
# on the shared 2-core machine); the records below are built once per fired rule or less.
Hit = tuple[float, int]


class Staged(NamedTuple):
    """An event a stage rule looks for, with its age in days."""

    event: str
    age: float
    attributes: Mapping[str, str]


class Verdict(NamedTuple):
    """What the two scores give (memoized by the pair)."""

    label: str
    grade: str


class Sentence(NamedTuple):
    """An engagement reason and the parts it is made of (memoized: see _finish)."""

    reason: Reason
    body: str
    notes: str


_NOTHING = Fired((), None)  # a property value no rule fires on, that gave no warning
_NO_ENTRY = ()  # memoized for a hit that gives no points: falsy, and unlike a cache miss not None


def score_lead(lead: Lead, model: ScoringModel, now: datetime) -> ScoreResult:
    """Score one lead. `now` is when the scores are for (naive datetimes are taken as UTC).

    Never raises for bad lead data: what cannot be used is listed in `warnings`.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    warnings: list[DataWarning] = []
    fit_entries = _fit_entries(lead.properties or _NO_PROPERTIES, model, warnings)
    engagement_entries, staged = _engagement_entries(lead.events or (), model, now, warnings)
    reasons: list[Reason] = []
    fit = _total(fit_entries, model, model.fit_bounds, "fit", reasons)
    engagement = _total(engagement_entries, model, model.engagement_bounds, "engagement", reasons)
    verdict = model.verdict_cache.get((fit, engagement))
    if verdict is None:
        verdict = Verdict(_label(model, fit, engagement),
                          _band(model.fit_bands, fit) + _band(model.engagement_bands, engagement))
        _remember(model.verdict_cache, (fit, engagement), verdict)
    return ScoreResult(
        lead.id,
        fit,
        engagement,
        verdict.label,
        verdict.grade,
        _stage(lead, model, fit, engagement, staged, warnings) if model.stage_rules or lead.stage else None,
        tuple(reasons),
        tuple(warnings) if warnings else (),
        model.name,
        model.version,
        _probability(model.calibration, fit + engagement) if model.calibration is not None else None,
    )


def _probability(calibration: Calibration, score: int) -> Probability:
    return Probability(calibration.probability(score), calibration.horizon_days, calibration.outcome)


def _total(entries: list[Entry], model: ScoringModel, bounds: Bounds, score: str, reasons: list[Reason]) -> int:
    """The score from its fired rules (group caps, then bounds); their reasons, in file order,
    with points that add up to the score, then the bound line if any, are added to `reasons`."""
    units = 0
    shown = 0
    grouped: Entry | bool | None = None
    for entry in entries:
        units += entry.units
        shown += entry.reason.points
        if entry.group is not None:
            grouped = entry if grouped is None else True
    if grouped is not None and (grouped is True or _outside_group(grouped, model)):  # type: ignore[arg-type]
        entries = apply_group_caps(entries, model.groups, score)
        units = shown = 0
        for entry in entries:
            units += entry.units
            shown += entry.reason.points
    points = (units + _HALF_UNIT) // UNIT
    if shown == points:
        for entry in entries:
            reasons.append(entry.reason)
    else:
        reasons += add_up(entries, points, score)
    if bounds.min <= points <= bounds.max:
        return points
    key = (score, points)
    held: Held | None = model.reason_cache.get(key)
    if held is None:
        held = bound_score(units, bounds, score)
        _remember(model.reason_cache, key, held)
    reasons.append(held.reason)  # type: ignore[arg-type]
    return held.score


def _outside_group(entry: Entry, model: ScoringModel) -> bool:
    group = model.groups[entry.group]  # type: ignore[index]
    units = entry.units
    return (group.max_units is not None and units > group.max_units) or (
        group.min_units is not None and units < group.min_units)


def _remember(cache: dict, key: object, value: object) -> None:
    if len(cache) >= CACHE_LIMIT:
        cache.clear()
    cache[key] = value


# ---- fit ----------------------------------------------------------------------------------


def _fit_entries(properties: Mapping[str, object], model: ScoringModel, warnings: list[DataWarning]) -> list[Entry]:
    entries: list[Entry] = []
    get = properties.get
    for prop, by_domain, cache, plan in model.fit_steps:
        raw = get(prop)
        if raw is None or type(raw) is str:
            key: object = raw
            if by_domain and raw is not None:
                at = raw.rfind("@")
                if at >= 0:  # an address: what follows the @ decides all the rules read (its domain)
                    key = ("@", raw[at + 1 :])
                else:
                    text = as_text(raw)
                    key = ("@", email_domain(text)) if text is not None else raw
            found = cache.get(key)
            if found is None:
                found = _evaluate_fit(plan, raw, model)
                if raw is None or len(raw) <= CACHED_CHARS:
                    _remember(cache, key, found)
        else:
            found = _evaluate_fit(plan, raw, model)
        if found is _NOTHING:
            continue
        fired, warning = found
        if fired:
            entries += fired
        if warning is not None:
            warnings.append(warning)
    if len(entries) > 1 and not model.fit_plan_in_order:
        entries.sort(key=_index)
    return entries


def _evaluate_fit(plan: FitPlan, raw: object, model: ScoringModel) -> Fired:
    """The entries of the plan's rules that fire on this value, and a warning if the value
    could not be used. Groups local to the property are capped here already."""
    text = as_text(raw)
    warning = None
    low = None
    if text is None:
        if raw is not None:
            warning = _unreadable(plan.property, raw)
    else:
        low = text.lower()
    number: object = _UNSET
    entries = []
    for rule in plan.rules:
        condition = rule.condition
        kind = condition.kind
        if kind == "text":
            if low is None or not condition.test(low):
                continue
        elif kind == "number":
            if text is None:
                continue
            if number is _UNSET:
                number = as_interval(text)
                if number is None:
                    warning = DataWarning("not_a_number", f"{plan.property}: {shown(text)!r} is not a number, "
                                          "so rules comparing it as a number did not apply")
            if number is None or not condition.test(number):
                continue
        elif not condition.test(low is not None):
            continue
        units = to_units(rule.points)
        body = fit_body(rule, text)
        reason = make_reason(rule.id, "fit", to_points(units), body, "")
        entries.append(Entry(rule.index, units, rule.group, reason, body, "", rule.id))
    if plan.local_groups and any(entry.group in plan.local_groups for entry in entries):
        entries = [entry._replace(group=None) if entry.group in plan.local_groups else entry
                   for entry in apply_group_caps(entries, model.groups, "fit")]
    return Fired(tuple(entries), warning) if entries or warning else _NOTHING


def _unreadable(prop: str, raw: object) -> DataWarning | None:
    if is_unusable(raw):
        return DataWarning("unreadable_value", f"{prop}: a {type(raw).__name__} value cannot be compared, "
                           "so it was treated as empty")
    if isinstance(raw, str) and raw.strip():
        return DataWarning("unreadable_value", f"{prop}: {shown(raw)!r} was read as empty")
    if isinstance(raw, float):
        return DataWarning("unreadable_value", f"{prop}: {raw!r} is not a usable number, so it was treated as empty")
    return None


# ---- engagement ---------------------------------------------------------------------------


def _engagement_entries(events: tuple[Event, ...], model: ScoringModel, now: datetime,
                        warnings: list[DataWarning]) -> tuple[list[Entry], list[Staged] | None]:
    """The hit engagement rules' entries, and the events stage rules look for (with their age)."""
    plans = model.event_plans
    hits: dict[int, Hit | list[Hit]] = {}
    staged: list[Staged] | None = None
    problems: dict[str, int] | None = None
    latest_future: datetime | None = None
    for event in events:
        plan = plans.get(event.type)
        if plan is None:
            if event.type not in _KNOWN_TYPES:
                problems = problems or {}
                key = f"unknown:{event.type}"
                problems[key] = problems.get(key, 0) + 1
            continue
        timestamp = event.timestamp
        count = event.count
        try:
            age = (now - timestamp).total_seconds() / _DAY
        except TypeError:  # no timestamp, or a naive one
            if not isinstance(timestamp, datetime):
                problems = problems or {}
                problems["no_timestamp"] = problems.get("no_timestamp", 0) + 1
                continue
            timestamp = timestamp.replace(tzinfo=timezone.utc)
            age = (now - timestamp).total_seconds() / _DAY
        if type(count) is not int or count < 1 or count > EVENT_COUNT:
            problems = problems or {}
            key = "bad_count" if type(count) is not int or count < 1 else "huge_count"
            problems[key] = problems.get(key, 0) + 1
            continue
        if age < 0:
            age = 0.0
            if event.type not in SCHEDULED_EVENTS:
                problems = problems or {}
                problems["future"] = problems.get("future", 0) + 1
                if latest_future is None or timestamp > latest_future:
                    latest_future = timestamp
        if plan.staged:
            staged = staged or []
            staged.append(Staged(event.type, age, event.attributes))
        single = plan.single
        if single is not None:  # rules reading one attribute: memoized by its value
            attributes = event.attributes
            value = attributes.get(single) if attributes else None
            matched = plan.cache.get(value) if type(value) is str else None
            if matched is None:
                matched = _matching_rules(plan, attributes)
        elif plan.attributes:
            matched = _matching_rules(plan, event.attributes)
        else:
            matched = plan.indexes
        hit = (age, count)
        for index in matched:
            found = hits.get(index)
            if found is None:
                hits[index] = hit
            elif type(found) is list:
                found.append(hit)
            else:
                hits[index] = [found, hit]
    if problems:
        _warn_events(problems, latest_future, warnings)
    return (_rule_entries(hits, model) if hits else []), staged


def _matching_rules(plan: EventPlan, attributes: Mapping[str, object]) -> tuple[int, ...]:
    """The indexes of the plan's rules whose conditions these attributes meet."""
    names = plan.attributes
    get = attributes.get if attributes else _nothing
    if len(names) == 1:
        key: object = get(names[0])
        cacheable = key is None or (type(key) is str and len(key) <= CACHED_CHARS)
    else:
        key = tuple(get(name) for name in names)
        cacheable = all(v is None or (type(v) is str and len(v) <= CACHED_CHARS) for v in key)  # type: ignore[union-attr]
    if cacheable:
        found = plan.cache.get(key)
        if found is not None:
            return found
    found = tuple(rule.index for rule in plan.rules if not rule.where or _matches(rule.where, attributes))
    if cacheable:
        _remember(plan.cache, key, found)
    return found


def _nothing(name: str) -> None:
    return None


def _matches(where: tuple[Condition, ...], attributes: Mapping[str, object]) -> bool:
    for condition in where:
        kind = condition.kind
        text = as_text(attributes.get(condition.target)) if attributes else None
        if kind == "text":
            if text is None or not condition.test(text.lower()):
                return False
        elif kind == "number":
            number = as_interval(text) if text is not None else None
            if number is None or not condition.test(number):
                return False
        elif not condition.test(text is not None):
            return False
    return True


def _rule_entries(hits: dict[int, Hit | list[Hit]], model: ScoringModel) -> list[Entry]:
    """Each hit rule's points from its events, in file order: the most recent `max_events`
    count, each decayed by its own age, then `max_points`. A rule's hits are one Hit, or a list
    of them.

    One event of a rule whose decay takes few values (none, steps) gives one of few entries:
    those are memoized whole, by the decay factor and the count."""
    rules = model.engagement_rules
    cache = model.reason_cache
    entries = []
    for index in sorted(hits) if len(hits) > 1 else hits:
        rule = rules[index]
        found = hits[index]
        if type(found) is tuple:
            age, count = found
            factor = 1.0 if rule.factor is None else rule.factor(age)
            if rule.discrete and count == 1:
                entry = rule.single_entries.get(factor)
                if entry is None:  # at most one per step window: no bound needed
                    entry = rule.single_entries[factor] = _entry(rule, factor, 1, cache) or _NO_ENTRY
            elif rule.discrete:
                key = (index, factor, count)
                entry = cache.get(key)
                if entry is None:
                    entry = _entry(rule, factor, count, cache) or _NO_ENTRY
                    _remember(cache, key, entry)
            else:
                entry = _entry(rule, factor, count, cache)
        else:
            units, counted, seen = _count_recent(found, rule)
            entry = _finish(rule, units, counted, seen, cache)
        if entry:
            entries.append(entry)
    return entries


def _entry(rule: EngagementRule, factor: float, count: int, cache: dict) -> Entry | None:
    """The entry of one hit: `count` events at one age, worth `factor` of their points."""
    counted = count if rule.max_events is None or count <= rule.max_events else rule.max_events
    return _finish(rule, floor(rule.unit_points * factor * counted + 0.5), counted, count, cache)


def _finish(rule: EngagementRule, units: int, counted: int, seen: int, cache: dict) -> Entry | None:
    """The rule's entry from its decayed units: `max_points`, then the sentence (memoized)."""
    if units == 0:
        return None  # every event has decayed away: nothing to tell the rep
    before_cap = units
    limit = rule.limit_units
    if limit is not None:
        units = limit if units > limit else -limit if units < -limit else units
    # The sentence depends only on these (the undecayed points follow from the rule and `counted`).
    key = (rule.index, (units + _HALF_UNIT) // UNIT, counted, seen, (before_cap + _HALF_UNIT) // UNIT, before_cap != units)
    cached = cache.get(key)
    if cached is None:
        raw = (floor(rule.unit_points * counted + 0.5) + _HALF_UNIT) // UNIT
        body, notes = engagement_text(rule, counted, seen, raw, key[4], key[5])
        cached = Sentence(make_reason(rule.id, "engagement", key[1], body, notes), body, notes)
        _remember(cache, key, cached)
    return Entry(rule.index, units, rule.group, cached.reason, cached.body, cached.notes, rule.id)


def _count_recent(hits: list[Hit], rule: EngagementRule) -> tuple[int, int, int]:
    """Units, counted and seen events of several hits: the most recent first, up to max_events."""
    hits.sort()
    unit_points = rule.unit_points
    factor = rule.factor
    remaining = rule.max_events
    units = counted = seen = 0
    for age, count in hits:
        seen += count
        if remaining is not None:
            take = count if count < remaining else remaining
            if take == 0:
                continue
            remaining -= take
        else:
            take = count
        counted += take
        units += floor(unit_points * take + 0.5) if factor is None else floor(unit_points * factor(age) * take + 0.5)
    return units, counted, seen


def _warn_events(problems: dict[str, int], latest_future: datetime | None, warnings: list[DataWarning]) -> None:
    for key in sorted(problems):
        n = problems[key]
        events = "event" if n == 1 else "events"
        if key == "no_timestamp":
            warnings.append(DataWarning("no_timestamp", f"{n} {events} without a usable timestamp not counted"))
        elif key == "future":
            assert latest_future is not None
            warnings.append(DataWarning("future_event", f"{n} {events} dated in the future "
                                        f"(latest {latest_future.isoformat()}) counted as of now"))
        elif key == "bad_count":
            warnings.append(DataWarning("bad_count", f"{n} {events} with a count below 1 not counted"))
        elif key == "huge_count":
            warnings.append(DataWarning("huge_count", f"{n} {events} with a count above {EVENT_COUNT:,} not counted"))
        else:
            warnings.append(DataWarning("unknown_event", f"{n} {events} of unknown type "
                                        f"{shown(key[len('unknown:'):])!r} not counted"))


# ---- label, grade, stage ------------------------------------------------------------------


def _label(model: ScoringModel, fit: int, engagement: int) -> str:
    for label in model.labels:
        if (label.min_fit is None or fit >= label.min_fit) and (
            label.min_engagement is None or engagement >= label.min_engagement
        ):
            return label.name
    return model.labels[-1].name


def _band(bands: tuple, score: int) -> str:
    for band in bands:
        if score >= band.min:
            return band.name
    return bands[-1].name


def _stage(lead: Lead, model: ScoringModel, fit: int, engagement: int, staged: list[Staged] | None,
           warnings: list[DataWarning]) -> str | None:
    """The furthest stage the lead qualifies for, never before its current one; None when the
    lead has no stage and qualifies for none, or its stage is not in the model's order."""
    current = lead.stage or None
    rank = model.stage_rank
    best = -1
    if current is not None:
        found = rank.get(current) if type(current) is str else None
        if found is None:
            warnings.append(DataWarning("unknown_stage", f"stage {shown(str(current))!r} is not in the model's "
                                        "stages, so it is left as is"))
            return None
        best = found
    for rule in model.stage_rules:
        target = rank[rule.stage]
        if target <= best:
            continue
        if rule.min_fit is not None and fit < rule.min_fit:
            continue
        if rule.min_engagement is not None and engagement < rule.min_engagement:
            continue
        if rule.event is not None and not (staged and _has_event(staged, rule)):
            continue
        best = target
    return model.stages[best] if best >= 0 else None


def _has_event(staged: list[Staged], rule: StageRule) -> bool:
    """Whether one of the lead's events meets the stage rule's event, conditions and age."""
    within = rule.within_days
    for event_type, age, attributes in staged:
        if event_type == rule.event and (within is None or age <= within) and (
                not rule.where or _matches(rule.where, attributes)):
            return True
    return False
