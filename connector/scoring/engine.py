"""`score_lead`: one lead, one model, one `now` → fit, engagement, label, grade, stage, reasons.

Pure and deterministic. Points are carried as integers in 1/10,000ths of a point: each event's
decayed points are rounded to that unit once, then summed as integers (order-independent,
exact), and each score is rounded half up to a whole number once at the end. The only float
function used is `**` for half-life decay, whose last-bit differences between platforms vanish
in that rounding.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone

from connector.scoring.caps import Item, apply_group_caps, bound_score
from connector.scoring.conditions import Condition
from connector.scoring.events import EVENT_TYPES, SCHEDULED_EVENTS
from connector.scoring.model import EngagementRule, ScoringModel
from connector.scoring.points import UNIT, to_units
from connector.scoring.reasons import engagement_reason, fit_reason
from connector.scoring.types import Lead, Reason, ScoreResult
from connector.scoring.values import as_number, as_text, is_unusable, shown

_DAY = 86_400.0
_UNSET = object()


def score_lead(lead: Lead, model: ScoringModel, now: datetime) -> ScoreResult:
    """Score one lead. `now` is when the scores are for (naive datetimes are taken as UTC).

    Never raises for bad lead data: what cannot be used is listed in `warnings`.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    warnings: list[str] = []
    fit_items = _fit_items(lead.properties, model, warnings)
    engagement_items = _engagement_items(lead.events, model, now, warnings)
    fit, fit_cap = _total(fit_items, model, "fit")
    engagement, engagement_cap = _total(engagement_items, model, "engagement")

    reasons = [item.reason for item in fit_items]
    if fit_cap is not None:
        reasons.append(fit_cap)
    reasons.extend(item.reason for item in engagement_items)
    if engagement_cap is not None:
        reasons.append(engagement_cap)

    return ScoreResult(
        lead_id=lead.id,
        fit=fit,
        engagement=engagement,
        label=_label(model, fit, engagement),
        grade=_band(model.fit_bands, fit) + _band(model.engagement_bands, engagement),
        stage=_stage(lead, model, fit, engagement, now, warnings),
        reasons=tuple(reasons),
        warnings=tuple(warnings),
        model_name=model.name,
        model_version=model.version,
    )


def _total(items: list[Item], model: ScoringModel, score: str) -> tuple[int, Reason | None]:
    if any(item.group is not None for item in items):
        apply_group_caps(items, model.groups)
    for item in items:
        item.finish()
    bounds = model.fit_bounds if score == "fit" else model.engagement_bounds
    return bound_score(sum(item.units for item in items), bounds, score)


# ---- fit ----------------------------------------------------------------------------------


def _fit_items(properties: Mapping[str, object], model: ScoringModel, warnings: list[str]) -> list[Item]:
    fired: list[tuple[int, Item]] = []
    get = properties.get
    for plan in model.fit_plan:
        raw = get(plan.property)
        text = as_text(raw)
        if text is None:
            low = None
            if raw is not None:
                _warn_unreadable(plan.property, raw, warnings)
        else:
            low = text.lower()
        number: object = _UNSET
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
                    number = as_number(text)
                    if number is None:
                        warnings.append(f"{plan.property}: {shown(text)!r} is not a number, so rules comparing "
                                        "it as a number did not apply")
                if number is None or not condition.test(number):
                    continue
            elif not condition.test(low is not None):
                continue
            fired.append((rule.index, Item(rule.id, "fit", rule.group, to_units(rule.points),
                                           fit_reason(rule, text))))
    if len(fired) > 1:
        fired.sort(key=_first)
    return [item for _, item in fired]


def _first(pair: tuple[int, Item]) -> int:
    return pair[0]


def _warn_unreadable(prop: str, raw: object, warnings: list[str]) -> None:
    if is_unusable(raw):
        warnings.append(f"{prop}: a {type(raw).__name__} value cannot be compared, so it was treated as empty")
    elif isinstance(raw, str) and raw.strip():
        warnings.append(f"{prop}: {shown(raw)!r} was read as empty")
    elif isinstance(raw, float):
        warnings.append(f"{prop}: {raw!r} is not a usable number, so it was treated as empty")


# ---- engagement ---------------------------------------------------------------------------


def _engagement_items(events: tuple, model: ScoringModel, now: datetime, warnings: list[str]) -> list[Item]:
    by_event = model.rules_by_event
    hits: dict[int, list[tuple[float, int]]] = {}
    rules: dict[int, EngagementRule] = {}
    problems: dict[str, int] = {}
    latest_future: datetime | None = None
    for event in events:
        candidates = by_event.get(event.type)
        if candidates is None:
            if event.type not in EVENT_TYPES:
                key = f"unknown:{event.type}"
                problems[key] = problems.get(key, 0) + 1
            continue
        timestamp = event.timestamp
        if not isinstance(timestamp, datetime):
            problems["no_timestamp"] = problems.get("no_timestamp", 0) + 1
            continue
        if timestamp.tzinfo is None:
            timestamp = timestamp.replace(tzinfo=timezone.utc)
        age = (now - timestamp).total_seconds() / _DAY
        if age < 0:
            age = 0.0
            if event.type not in SCHEDULED_EVENTS:
                problems["future"] = problems.get("future", 0) + 1
                if latest_future is None or timestamp > latest_future:
                    latest_future = timestamp
        count = event.count
        if type(count) is not int or count < 1:
            problems["bad_count"] = problems.get("bad_count", 0) + 1
            continue
        attributes = event.attributes
        for rule in candidates:
            if rule.where and not _matches(rule.where, attributes):
                continue
            found = hits.get(rule.index)
            if found is None:
                hits[rule.index] = [(age, count)]
                rules[rule.index] = rule
            else:
                found.append((age, count))
    if problems:
        _warn_events(problems, latest_future, warnings)
    items = []
    for index in sorted(hits):
        item = _rule_item(rules[index], hits[index])
        if item is not None:
            items.append(item)
    return items


def _matches(where: tuple[Condition, ...], attributes: Mapping[str, object]) -> bool:
    for condition in where:
        kind = condition.kind
        text = as_text(attributes.get(condition.target)) if attributes else None
        if kind == "text":
            if text is None or not condition.test(text.lower()):
                return False
        elif kind == "number":
            number = as_number(text) if text is not None else None
            if number is None or not condition.test(number):
                return False
        elif not condition.test(text is not None):
            return False
    return True


def _rule_item(rule: EngagementRule, hits: list[tuple[float, int]]) -> Item | None:
    """The rule's points from its matching events: the most recent `max_events` count, each
    decayed by its own age, then the rule's `max_points` bound."""
    if len(hits) > 1:
        hits.sort()
    remaining = rule.max_events
    points = rule.points
    factor = rule.decay.factor
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
        units += int((points * factor(age) * take * UNIT + 0.5) // 1)
    if units == 0:
        return None  # every event has decayed away: nothing to tell the rep
    capped = None
    if rule.max_points is not None:
        limit = to_units(rule.max_points)
        if units > limit:
            capped, units = units, limit
        elif units < -limit:
            capped, units = units, -limit
    return Item(rule.id, "engagement", rule.group, units,
                engagement_reason(rule, counted, seen, to_units(points * counted), capped, units))


def _warn_events(problems: dict[str, int], latest_future: datetime | None, warnings: list[str]) -> None:
    for key in sorted(problems):
        n = problems[key]
        events = "event" if n == 1 else "events"
        if key == "no_timestamp":
            warnings.append(f"{n} {events} without a usable timestamp not counted")
        elif key == "future":
            assert latest_future is not None
            warnings.append(f"{n} {events} dated in the future (latest {latest_future.isoformat()}) counted as of now")
        elif key == "bad_count":
            warnings.append(f"{n} {events} with a count below 1 not counted")
        else:
            warnings.append(f"{n} {events} of unknown type {key[len('unknown:'):]!r} not counted")


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


def _stage(lead: Lead, model: ScoringModel, fit: int, engagement: int, now: datetime,
           warnings: list[str]) -> str | None:
    """The furthest stage the lead qualifies for, never before its current one; None when the
    lead has no stage and qualifies for none, or its stage is not in the model's order."""
    current = lead.stage or None
    rank = model.stage_rank
    best = -1
    if current is not None:
        found = rank.get(current)
        if found is None:
            warnings.append(f"stage {shown(str(current))!r} is not in the model's stages, so it is left as is")
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
        if rule.event is not None and not _has_event(lead, rule.event, rule.where, rule.within_days, now):
            continue
        best = target
    return model.stages[best] if best >= 0 else None


def _has_event(lead: Lead, event_type: str, where: tuple[Condition, ...], within_days: float | None,
               now: datetime) -> bool:
    for event in lead.events:
        if event.type != event_type or not isinstance(event.timestamp, datetime):
            continue
        if type(event.count) is not int or event.count < 1:
            continue
        if where and not _matches(where, event.attributes):
            continue
        if within_days is not None:
            timestamp = event.timestamp
            if timestamp.tzinfo is None:
                timestamp = timestamp.replace(tzinfo=timezone.utc)
            if (now - timestamp).total_seconds() / _DAY > within_days:
                continue
        return True
    return False
