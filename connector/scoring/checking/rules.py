"""Checking fit and engagement rules: ids, points, caps, group references, reason sentences, and
each engagement rule's decay."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator, Mapping

from connector.scoring import limits
from connector.scoring.checking.conditions import ConditionChecks
from connector.scoring.checking.report import suggest, type_name
from connector.scoring.compiled import EngagementRule, FitRule, Group
from connector.scoring.conditions import Condition
from connector.scoring.decay import NO_DECAY, Decay
from connector.scoring.events import EVENT_TYPES

FIT_KEYS = ("id", "property", "op", "value", "list", "min", "max", "points", "group", "reason")
ENGAGEMENT_KEYS = ("id", "event", "where", "points", "max_events", "max_points", "decay", "group", "reason")
DECAY_KEYS = ("half_life_days", "steps", "none", "max_age_days")
_ID = re.compile(r"^[A-Za-z0-9_.-]+$")
_RESERVED_IDS = frozenset({"fit_bounds", "engagement_bounds"})  # see caps.bound_score


class RuleChecks(ConditionChecks):
    """Fit and engagement rules; rule ids are unique across both."""

    def __init__(self, text: str, source: str):
        super().__init__(text, source)
        self.rule_ids: dict[str, str] = {}  # id → the path of the rule that has it

    def rule_path(self, section: str, index: int, rule: Mapping[str, object]) -> str:
        rule_id = rule.get("id")
        if isinstance(rule_id, str) and rule_id:
            return f'{section} "{rule_id}"'
        return f"{section}[{index + 1}]"

    def rule_tables(self, data: Mapping[str, object], section: str, allowed: tuple[str, ...]
                    ) -> Iterator[tuple[int, Mapping[str, object], int | None, str, str | None]]:
        """Each [[section]] table with its line, field path and checked id; unknown keys reported.
        A dotted `section` ("account.fit") is read from `data` by its last part."""
        for index, rule in enumerate(self.tables(data, section.rsplit(".", 1)[-1], section)):
            line = self.header_line(section, index)
            path = self.rule_path(section, index, rule)
            self.keys(rule, allowed, path, line)
            yield index, rule, line, path, self.rule_id(rule, path, line)

    def rule_id(self, rule: Mapping[str, object], path: str, line: int | None) -> str | None:
        """The rule's id, checked: usable, and unique among fit and engagement rules (reasons name it)."""
        seen = self.rule_ids
        rule_id = self.value(rule, "id", (str,), path, line, required=True,
                             example='id = "a_short_name" (unique, used in reasons)')
        if not isinstance(rule_id, str):
            return None
        if not _ID.match(rule_id):
            self.problem(f"{path}.id", f"'{rule_id}' is not a usable id",
                         "use letters, digits, '_', '-' or '.' only", self.key_line(line, "id"))
        if rule_id in _RESERVED_IDS:
            self.problem(f"{path}.id", f"'{rule_id}' is reserved for the reason a score's bounds give",
                         "choose another id", self.key_line(line, "id"))
        if rule_id in seen:
            self.problem(f"{path}.id", f"duplicate rule id '{rule_id}' (also used by {seen[rule_id]})",
                         "give each rule its own id", self.key_line(line, "id"))
        seen[rule_id] = path
        return rule_id

    def group_ref(self, rule: Mapping[str, object], path: str, line: int | None, groups: Mapping[str, Group]) -> str | None:
        group = self.value(rule, "group", (str,), path, line)
        if group is not None and group not in groups:
            fix = suggest(group, list(groups)) if groups else f"define it with [groups.{group}] and max = N"  # type: ignore[arg-type]
            self.problem(f"{path}.group", f"unknown group '{group}'", fix, self.key_line(line, "group"))
            return None
        return group  # type: ignore[return-value]

    def reason(self, rule: Mapping[str, object], path: str, line: int | None, fields: tuple[str, ...]) -> str | None:
        reason = self.plain(rule, "reason", path, line, example='reason = "a sentence for a rep"')
        if reason is None:
            return None
        try:
            names = [name for _, name, _, _ in string.Formatter().parse(reason) if name is not None]  # type: ignore[arg-type]
        except ValueError as exc:
            names, bad = [], str(exc)
        else:
            bad = ""
        unknown = [n for n in names if n not in fields]
        if bad or unknown:
            allowed = ", ".join("{" + f + "}" for f in fields) or "no {placeholders}"
            what = f"bad placeholder in reason: {bad or '{' + unknown[0] + '}'}"
            self.problem(f"{path}.reason", what, f"use {allowed}; write a literal brace as {{{{ or }}}}",
                         self.key_line(line, "reason"))
            return None
        return reason  # type: ignore[return-value]

    def parse_fit_rules(self, data: Mapping[str, object], lists: Mapping[str, tuple[str, ...]],
                        groups: Mapping[str, Group], section: str = "fit") -> list[FitRule]:
        rules: list[FitRule] = []
        for index, rule, line, path, rule_id in self.rule_tables(data, section, FIT_KEYS):
            condition = self.parse_condition(rule, "property", path, line, lists)
            points = self.number(rule, "points", path, line, required=True, example="points = 10 (negative to subtract)",
                                 bounds=(-limits.POINTS, limits.POINTS))
            group = self.group_ref(rule, path, line, groups)
            reason = self.reason(rule, path, line, ("value",))
            if rule_id is None or condition is None or points is None:
                continue
            if reason is None:
                reason = _default_fit_reason(condition)
            rules.append(FitRule(rule_id, condition, points, group, reason, index))
        return rules

    def parse_engagement_rules(self, data: Mapping[str, object], lists: Mapping[str, tuple[str, ...]],
                               groups: Mapping[str, Group], default_decay: Decay | None) -> list[EngagementRule]:
        rules: list[EngagementRule] = []
        for index, rule, line, path, rule_id in self.rule_tables(data, "engagement", ENGAGEMENT_KEYS):
            event = self.event_type(rule, path, line, required=True)
            where = self.parse_where(rule, path, line, lists)
            points = self.number(rule, "points", path, line, required=True, example="points = 5 (per event)",
                                 bounds=(-limits.POINTS, limits.POINTS))
            max_events = self.max_events(rule, path, line)
            max_points = self.number(rule, "max_points", path, line, positive=True, example="max_points = 30",
                                     bounds=(0, limits.TOTAL))
            decay: Decay | None = default_decay
            if "decay" in rule:
                decay = self.parse_decay(rule["decay"], f"{path}.decay", self.key_line(line, "decay"))
                if decay is not None and points is not None and points < 0 and decay.kind != "none":
                    self.problem(f"{path}.decay", "a negative rule cannot decay: a fading penalty would raise "
                                 "the score as time passes", "remove decay from this rule (penalties last), or "
                                 "use max_events/max_points to limit it", self.key_line(line, "decay"))
            elif points is not None and points < 0:
                decay = NO_DECAY  # penalties never fade: see the rule above
            group = self.group_ref(rule, path, line, groups)
            reason = self.reason(rule, path, line, ())
            if None in (rule_id, event, where, points, decay):
                continue
            assert isinstance(rule_id, str) and isinstance(event, str) and where is not None
            assert points is not None and decay is not None
            rules.append(EngagementRule(rule_id, event, where, points, max_events, max_points,  # type: ignore[arg-type]
                                        decay, group, reason or _default_event_reason(event, where), index))
        return rules

    def max_events(self, rule: Mapping[str, object], path: str, line: int | None) -> int | None:
        max_events = self.value(rule, "max_events", (int,), path, line, example="max_events = 5")
        if not isinstance(max_events, int):
            return None
        if max_events < 1:
            self.problem(f"{path}.max_events", f"must be at least 1, got {max_events}",
                         "count at most N events with N ≥ 1, or remove it", self.key_line(line, "max_events"))
            return None
        if max_events > limits.MAX_EVENTS:
            self.out_of_bounds(f"{path}.max_events", max_events, (1, limits.MAX_EVENTS), self.key_line(line, "max_events"))
            return None
        return max_events

    def event_type(self, rule: Mapping[str, object], path: str, line: int | None, *, required: bool) -> str | None:
        event = self.value(rule, "event", (str,), path, line, required=required, example='event = "page_view"')
        if event is not None and event not in EVENT_TYPES:
            self.problem(f"{path}.event", f"unknown event type '{event}'", suggest(event, list(EVENT_TYPES)),  # type: ignore[arg-type]
                         self.key_line(line, "event"))
            return None
        return event  # type: ignore[return-value]

    def parse_decay(self, table: object, path: str, line: int | None) -> Decay | None:
        if not isinstance(table, dict):
            self.problem(path, f"expected a table, got {type_name(table)}", "write decay = { half_life_days = 30 }", line)
            return None
        self.keys(table, DECAY_KEYS, path, line)
        forms = [k for k in ("half_life_days", "steps", "none") if k in table]
        if len(forms) != 1:
            self.problem(path, "needs exactly one of half_life_days, steps or none = true" +
                         (f" (got {', '.join(forms)})" if forms else ""),
                         "e.g. { half_life_days = 30 } or { steps = [{ days = 30, factor = 1.0 }] } or { none = true }", line)
            return None
        max_age = self.number(table, "max_age_days", path, line, positive=True, example="max_age_days = 365",
                              bounds=(0, limits.DAYS))
        if forms == ["none"]:
            none = self.value(table, "none", (bool,), path, line)
            if none is not True:
                if none is False:
                    self.problem(f"{path}.none", "none = false says nothing",
                                 "write none = true, or give half_life_days or steps instead", line)
                return None
            if max_age is not None:
                self.problem(f"{path}.max_age_days", "does not go with none = true",
                             "remove one of them", line)
            return NO_DECAY
        if forms == ["half_life_days"]:
            half_life = self.number(table, "half_life_days", f"{path}", line, positive=True, example="half_life_days = 30",
                                    bounds=(limits.MIN_HALF_LIFE_DAYS, limits.DAYS))
            return None if half_life is None else Decay("half_life", half_life_days=half_life, max_age_days=max_age)
        return self.parse_steps(table["steps"], f"{path}.steps", line, max_age)

    def parse_steps(self, steps: object, path: str, line: int | None, max_age: float | None) -> Decay | None:
        if not isinstance(steps, list) or not steps or not all(isinstance(s, dict) for s in steps):
            self.problem(path, "must be a non-empty list of { days = N, factor = F }",
                         "e.g. steps = [{ days = 30, factor = 1.0 }, { days = 90, factor = 0.5 }]", line)
            return None
        parsed: list[tuple[float, float]] = []
        ok = True
        for i, step in enumerate(steps):
            step_path = f"{path}[{i + 1}]"
            self.keys(step, ("days", "factor"), step_path, None)
            days = self.number(step, "days", step_path, line, required=True, positive=True, example="days = 30",
                               bounds=(0, limits.DAYS))
            factor = self.number(step, "factor", step_path, line, required=True, example="factor = 0.5")
            if days is None or factor is None:
                ok = False
                continue
            if not 0 <= factor <= 1:
                self.problem(f"{step_path}.factor", f"must be between 0 and 1, got {factor:g}",
                             "write the share of points kept, e.g. 0.5 for half", line)
                ok = False
            if parsed and days <= parsed[-1][0]:
                self.problem(f"{step_path}.days", f"windows out of order: {days:g} days comes after {parsed[-1][0]:g}",
                             "list the windows from the shortest to the longest", line)
                ok = False
            if parsed and factor > parsed[-1][1]:
                self.problem(f"{step_path}.factor", f"factor {factor:g} is above the previous window's {parsed[-1][1]:g}",
                             "older events must not be worth more than newer ones: lower it", line)
                ok = False
            parsed.append((days, factor))
        if max_age is not None:
            self.problem(f"{path[: -len('.steps')]}.max_age_days", "does not go with steps (after the last window points are 0)",
                         "remove max_age_days, or end the steps at that age", line)
        return Decay("steps", steps=tuple(parsed)) if ok else None


def _default_fit_reason(condition: Condition) -> str:
    if condition.op == "is_empty":
        return f"{condition.target} is empty"
    return f"{condition.target}: {{value}}"


def _default_event_reason(event: str, where: tuple[Condition, ...]) -> str:
    text = event.replace("_", " ")
    if where:
        text += " (" + ", ".join(c.summary for c in where) + ")"
    return text
