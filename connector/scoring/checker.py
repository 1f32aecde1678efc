"""The model file checker: a model file's TOML data → a `ScoringModel`, or every problem at once.

Each problem names the file, the line where it can be found, the field path (`fit[3].points`,
`engagement "pricing_page".decay.half_life_days`), what is wrong and how to fix it, with the
nearest valid name for a typo. The format is documented for users in docs/scoring-model.md.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Iterator, Mapping

from connector.errors import UserError
from connector.scoring.compiled import (
    HUBSPOT_STAGES,
    Band,
    Bounds,
    EngagementRule,
    FitRule,
    Group,
    Label,
    ScoringModel,
    StageRule,
)
from connector.scoring.conditions import LIST_OPS, OPS, Condition, base_op, compile_condition
from connector.scoring.decay import NO_DECAY, Decay
from connector.scoring.events import EVENT_TYPES

_ID = re.compile(r"^[A-Za-z0-9_.-]+$")
_RESERVED_IDS = frozenset({"fit_bounds", "engagement_bounds"})  # see caps.bound_score


class ModelError(UserError):
    """The model file is wrong; `problems` holds one line per problem."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        if len(problems) == 1:
            message = problems[0]
        else:
            message = f"{source}: {len(problems)} problems in the scoring model:\n  " + "\n  ".join(problems)
        super().__init__(message)


_TOP_KEYS = ("model", "scores", "lists", "groups", "fit", "engagement", "decay", "labels", "grade", "stages")
_FIT_KEYS = ("id", "property", "op", "value", "list", "min", "max", "points", "group", "reason")
_WHERE_KEYS = ("attribute", "op", "value", "list", "min", "max")
_ENGAGEMENT_KEYS = ("id", "event", "where", "points", "max_events", "max_points", "decay", "group", "reason")
_DECAY_KEYS = ("half_life_days", "steps", "none", "max_age_days")
_STAGE_RULE_KEYS = ("stage", "min_fit", "min_engagement", "event", "where", "within_days")
_TYPE_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
               list: "a list", dict: "a table"}


def _type_name(value: object) -> str:
    for kind, name in _TYPE_NAMES.items():
        if type(value) is kind:
            return name
    return type(value).__name__


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    shown = ", ".join(choices[:12]) + (", ..." if len(choices) > 12 else "")
    return f"use one of: {shown}"


class _Parser:
    def __init__(self, text: str, source: str):
        self.text = text
        self.source = source
        self.lines = text.splitlines()
        self.problems: list[tuple[int, int, str]] = []  # (line or big, order, message)
        self.rule_ids: dict[str, str] = {}  # id → the path of the rule that has it

    # ---- reporting ------------------------------------------------------------------------

    def problem(self, path: str, what: str, fix: str, line: int | None = None) -> None:
        where = f"{self.source}:{line}" if line else self.source
        self.problems.append((line or 10**9, len(self.problems), f"{where}: {path}: {what}; fix: {fix}"))

    def header_line(self, header: str, nth: int = 0) -> int | None:
        """Line (1-based) of the nth `[header]` or `[[header]]` table, if written that way."""
        pattern = re.compile(r"^\s*\[\[?\s*" + re.escape(header) + r"\s*\]\]?\s*(#.*)?$")
        seen = 0
        for number, line in enumerate(self.lines, 1):
            if pattern.match(line):
                if seen == nth:
                    return number
                seen += 1
        return None

    def key_line(self, start: int | None, key: str) -> int | None:
        """Line of `key = ...` in the table starting at line `start`, else `start`."""
        if start is None:
            return None
        pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        for number in range(start + 1, len(self.lines) + 1):
            line = self.lines[number - 1]
            if line.lstrip().startswith("["):
                break
            if pattern.match(line):
                return number
        return start

    # ---- typed getters --------------------------------------------------------------------

    def keys(self, table: Mapping[str, object], allowed: tuple[str, ...], path: str, line: int | None) -> None:
        for key in table:
            if key not in allowed:
                self.problem(f"{path}.{key}" if path else key, f"unknown key '{key}'",
                             _suggest(key, list(allowed)), self.key_line(line, key) if line else None)

    def value(self, table: Mapping[str, object], key: str, kinds: tuple[type, ...], path: str,
              line: int | None, *, required: bool = False, example: str = "") -> object:
        full = f"{path}.{key}" if path else key
        if key not in table:
            if required:
                self.problem(full, f"'{key}' is missing", f"add {example or key + ' = ...'}", line)
            return None
        value = table[key]
        if isinstance(value, bool) and bool not in kinds:
            ok = False
        elif float in kinds and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        else:
            ok = isinstance(value, kinds)
        if not ok:
            names = [_TYPE_NAMES.get(k, k.__name__) for k in kinds if not (k is int and float in kinds)]
            wanted = " or ".join(names)
            self.problem(full, f"expected {wanted}, got {_type_name(value)} {value!r}",
                         f"write it as {example or wanted}", self.key_line(line, key))
            return None
        return value

    def number(self, table: Mapping[str, object], key: str, path: str, line: int | None, *,
               required: bool = False, example: str = "", positive: bool = False) -> float | None:
        value = self.value(table, key, (int, float), path, line, required=required, example=example)
        if value is None:
            return None
        number = float(value)  # type: ignore[arg-type]
        if number != number or number in (float("inf"), float("-inf")):
            self.problem(f"{path}.{key}", "must be a finite number", "write a plain number", self.key_line(line, key))
            return None
        if positive and number <= 0:
            self.problem(f"{path}.{key}", f"must be above 0, got {value}", f"write a positive number, e.g. {example or key + ' = 30'}",
                         self.key_line(line, key))
            return None
        return number

    def tables(self, data: Mapping[str, object], key: str, path: str) -> list[Mapping[str, object]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
            self.problem(path, f"expected a list of tables, got {_type_name(value)}",
                         f"write each entry as its own [[{path}]] table", self.header_line(path))
            return []
        return value

    # ---- sections -------------------------------------------------------------------------

    def parse(self, data: dict[str, object]) -> ScoringModel:
        self.keys(data, _TOP_KEYS, "", None)
        for key in _TOP_KEYS:
            if key in ("fit", "engagement", "labels"):
                continue
            if key in data and not isinstance(data[key], dict):
                self.problem(key, f"expected a table, got {_type_name(data[key])}", f"write it as a [{key}] section",
                             self.header_line(key))
                data = {k: v for k, v in data.items() if k != key}
        name, version, description = self.parse_meta(data.get("model"))
        fit_bounds = self.parse_bounds(data, "fit")
        engagement_bounds = self.parse_bounds(data, "engagement")
        lists = self.parse_lists(data.get("lists", {}))
        groups = self.parse_groups(data.get("groups", {}))
        default_decay = self.parse_decay(data["decay"], "decay", self.header_line("decay")) if "decay" in data else NO_DECAY
        fit_rules = self.parse_fit_rules(data, lists, groups)
        engagement_rules = self.parse_engagement_rules(data, lists, groups, default_decay)
        for name in sorted({r.group for r in fit_rules} & {r.group for r in engagement_rules} - {None}):
            self.problem(f"groups.{name}", "the group has both fit and engagement rules, but the two scores are "
                         "capped apart", "use one group for fit rules and another for engagement rules",
                         self.header_line(f"groups.{name}"))
        labels = self.parse_labels(data, fit_bounds, engagement_bounds)
        fit_bands, engagement_bands = self.parse_grade(data.get("grade"), fit_bounds, engagement_bounds)
        stages, stage_rules = self.parse_stages(data.get("stages", {}), lists, fit_bounds, engagement_bounds)
        if self.problems:
            raise ModelError(self.source, [message for _, _, message in sorted(self.problems)])
        return ScoringModel(
            name=name or "", version=version or "", source=self.source, description=description or "",
            fit_bounds=fit_bounds, engagement_bounds=engagement_bounds, lists=lists, groups=groups,
            fit_rules=tuple(fit_rules), engagement_rules=tuple(engagement_rules), default_decay=default_decay,
            labels=tuple(labels), fit_bands=tuple(fit_bands), engagement_bands=tuple(engagement_bands),
            stages=stages, stage_rules=tuple(stage_rules),
        )

    def parse_meta(self, table: object) -> tuple[str | None, str | None, str | None]:
        line = self.header_line("model")
        if table is None:
            self.problem("model", "the [model] section is missing",
                         'add [model] with name = "..." and version = "1.0.0" at the top', 1)
            return None, None, None
        assert isinstance(table, dict)
        self.keys(table, ("name", "version", "description"), "model", line)
        name = self.value(table, "name", (str,), "model", line, required=True, example='name = "b2b-default"')
        version = self.value(table, "version", (str,), "model", line, required=True,
                             example='version = "1.0.0" (in quotes)')
        description = self.value(table, "description", (str,), "model", line)
        for key, value in (("name", name), ("version", version)):
            if isinstance(value, str) and not value.strip():
                self.problem(f"model.{key}", "is empty", f"give the model a {key}; it is written with every score",
                             self.key_line(line, key))
        return name, version, description  # type: ignore[return-value]

    def parse_bounds(self, data: Mapping[str, object], score: str) -> Bounds:
        scores = data.get("scores", {})
        if not isinstance(scores, dict):
            return Bounds(0, 100)
        self.keys(scores, ("fit", "engagement"), "scores", self.header_line("scores"))
        table = scores.get(score, {})
        path = f"scores.{score}"
        line = self.header_line(path)
        if not isinstance(table, dict):
            self.problem(path, f"expected a table, got {_type_name(table)}", f"write [{path}] with min and max", line)
            return Bounds(0, 100)
        self.keys(table, ("min", "max"), path, line)
        low = self.value(table, "min", (int,), path, line, example="min = 0")
        high = self.value(table, "max", (int,), path, line, example="max = 100")
        low = 0 if low is None else low
        high = 100 if high is None else high
        if low >= high:  # type: ignore[operator]
            self.problem(f"{path}.min", f"min ({low}) must be below max ({high})", "swap them or fix one, e.g. min = 0, max = 100",
                         self.key_line(line, "min"))
            return Bounds(0, 100)  # checks that depend on the bounds go on with the usual ones
        return Bounds(low, high)  # type: ignore[arg-type]

    def parse_lists(self, table: Mapping[str, object]) -> dict[str, tuple[str, ...]]:
        line = self.header_line("lists")
        lists: dict[str, tuple[str, ...]] = {}
        for name, values in table.items():
            if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                self.problem(f"lists.{name}", "must be a non-empty list of text values",
                             f'write {name} = ["first", "second"]', self.key_line(line, name))
                continue
            lists[name] = tuple(values)
        return lists

    def parse_groups(self, table: Mapping[str, object]) -> dict[str, Group]:
        groups: dict[str, Group] = {}
        for name, spec in table.items():
            path = f"groups.{name}"
            line = self.header_line(path)
            if not isinstance(spec, dict):
                self.problem(path, f"expected a table, got {_type_name(spec)}", f"write [{path}] with max = N", line)
                continue
            self.keys(spec, ("min", "max"), path, line)
            low = self.number(spec, "min", path, line)
            high = self.number(spec, "max", path, line)
            if low is None and high is None and not any(k not in ("min", "max") for k in spec):
                self.problem(path, "a group needs a cap", "add max = N (and/or min = N)", line)
            if low is not None and high is not None and low > high:
                self.problem(f"{path}.min", f"min ({low:g}) is above max ({high:g})", "swap them", self.key_line(line, "min"))
            groups[name] = Group(name, low, high)
        return groups

    def rule_path(self, section: str, index: int, rule: Mapping[str, object]) -> str:
        rule_id = rule.get("id")
        if isinstance(rule_id, str) and rule_id:
            return f'{section} "{rule_id}"'
        return f"{section}[{index + 1}]"

    def rule_tables(self, data: Mapping[str, object], section: str, allowed: tuple[str, ...]
                    ) -> Iterator[tuple[int, Mapping[str, object], int | None, str, str | None]]:
        """Each [[section]] table with its line, field path and checked id; unknown keys reported."""
        for index, rule in enumerate(self.tables(data, section, section)):
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

    def parse_condition(self, table: Mapping[str, object], target_key: str, path: str, line: int | None,
                        lists: Mapping[str, tuple[str, ...]]) -> Condition | None:
        target = self.value(table, target_key, (str,), path, line, required=True,
                            example=f'{target_key} = "{"jobtitle" if target_key == "property" else "url"}"')
        op = self.value(table, "op", (str,), path, line, required=True, example='op = "equals"')
        if op is not None and op not in OPS:
            self.problem(f"{path}.op", f"unknown op '{op}'", _suggest(op, list(OPS)), self.key_line(line, "op"))
            op = None
        if op is None or target is None:
            return None
        assert isinstance(op, str) and isinstance(target, str)
        if not target.strip():
            self.problem(f"{path}.{target_key}", "is empty", f"name the {target_key} to test", self.key_line(line, target_key))
            return None
        unused = {"value", "list", "min", "max"} & set(table)
        if op == "between":
            unused -= {"min", "max"}
            low = self.number(table, "min", path, line, required=True, example="min = 50")
            high = self.number(table, "max", path, line, required=True, example="max = 1000")
            for key in sorted(unused):
                self.problem(f"{path}.{key}", f"op 'between' does not use '{key}'", "use min and max (inclusive)",
                             self.key_line(line, key))
            if low is None or high is None:
                return None
            if low > high:
                self.problem(f"{path}.min", f"min ({low:g}) is above max ({high:g})", "swap them", self.key_line(line, "min"))
                return None
            return compile_condition(target, op, low=low, high=high)
        if op in ("is_set", "is_empty"):
            for key in sorted(unused):
                self.problem(f"{path}.{key}", f"op '{op}' takes no '{key}'", f"remove {key}", self.key_line(line, key))
            return compile_condition(target, op)
        for key in sorted(unused & {"min", "max"}):
            self.problem(f"{path}.{key}", f"op '{op}' does not use '{key}'",
                         "use op = \"between\" for a range, or value = N", self.key_line(line, key))
        if base_op(op) in LIST_OPS:
            values = self.list_values(table, path, line, lists, op)
            return None if values is None else compile_condition(target, op, values=values)
        if "list" in table:
            self.problem(f"{path}.list", f"op '{op}' does not take a list", 'use op = "one_of" with list = "..."',
                         self.key_line(line, "list"))
        if base_op(op) == "regex":
            pattern = self.value(table, "value", (str,), path, line, required=True, example='value = "\\\\bvp\\\\b"')
            if pattern is None:
                return None
            try:
                re.compile(pattern, re.IGNORECASE)  # type: ignore[arg-type]
            except re.error as exc:
                self.problem(f"{path}.value", f"invalid regex {pattern!r}: {exc}",
                             "fix the pattern (in TOML double quotes a backslash is written \\\\, "
                             "or use single quotes: value = '\\bvp\\b')", self.key_line(line, "value"))
                return None
            return compile_condition(target, op, value=pattern)
        if op in ("gte", "lte"):
            number = self.number(table, "value", path, line, required=True, example="value = 1000")
            return None if number is None else compile_condition(target, op, value=number)
        value = self.value(table, "value", (str, int, float, bool), path, line, required=True, example='value = "..."')
        return None if value is None else compile_condition(target, op, value=value)

    def list_values(self, table: Mapping[str, object], path: str, line: int | None,
                    lists: Mapping[str, tuple[str, ...]], op: str) -> tuple[str, ...] | None:
        has_value, has_list = "value" in table, "list" in table
        if has_value == has_list:
            self.problem(path, f"op '{op}' needs either value = [...] or list = \"name\"" +
                         (" (not both)" if has_value else ""), 'give one of them, e.g. list = "free_mail"', line)
            return None
        if has_list:
            name = self.value(table, "list", (str,), path, line)
            if name is None:
                return None
            if name not in lists:
                choices = list(lists)
                fix = _suggest(name, choices) if choices else "define it under [lists]"  # type: ignore[arg-type]
                self.problem(f"{path}.list", f"unknown list '{name}'", fix, self.key_line(line, "list"))
                return None
            return lists[name]  # type: ignore[index]
        value = table["value"]
        if isinstance(value, str) and base_op(op) == "contains":
            return (value,)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.problem(f"{path}.value", f"op '{op}' needs a non-empty list of text values, got {value!r}",
                         'write value = ["first", "second"]', self.key_line(line, "value"))
            return None
        return tuple(value)

    def group_ref(self, rule: Mapping[str, object], path: str, line: int | None, groups: Mapping[str, Group]) -> str | None:
        group = self.value(rule, "group", (str,), path, line)
        if group is not None and group not in groups:
            fix = _suggest(group, list(groups)) if groups else f"define it with [groups.{group}] and max = N"  # type: ignore[arg-type]
            self.problem(f"{path}.group", f"unknown group '{group}'", fix, self.key_line(line, "group"))
            return None
        return group  # type: ignore[return-value]

    def reason(self, rule: Mapping[str, object], path: str, line: int | None, fields: tuple[str, ...]) -> str | None:
        reason = self.value(rule, "reason", (str,), path, line, example='reason = "a sentence for a rep"')
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
                        groups: Mapping[str, Group]) -> list[FitRule]:
        rules: list[FitRule] = []
        for index, rule, line, path, rule_id in self.rule_tables(data, "fit", _FIT_KEYS):
            condition = self.parse_condition(rule, "property", path, line, lists)
            points = self.number(rule, "points", path, line, required=True, example="points = 10 (negative to subtract)")
            group = self.group_ref(rule, path, line, groups)
            reason = self.reason(rule, path, line, ("value",))
            if rule_id is None or condition is None or points is None:
                continue
            if reason is None:
                reason = _default_fit_reason(condition)
            rules.append(FitRule(rule_id, condition, points, group, reason, index))
        return rules

    def parse_decay(self, table: object, path: str, line: int | None) -> Decay | None:
        if not isinstance(table, dict):
            self.problem(path, f"expected a table, got {_type_name(table)}", "write decay = { half_life_days = 30 }", line)
            return None
        self.keys(table, _DECAY_KEYS, path, line)
        forms = [k for k in ("half_life_days", "steps", "none") if k in table]
        if len(forms) != 1:
            self.problem(path, "needs exactly one of half_life_days, steps or none = true" +
                         (f" (got {', '.join(forms)})" if forms else ""),
                         "e.g. { half_life_days = 30 } or { steps = [{ days = 30, factor = 1.0 }] } or { none = true }", line)
            return None
        max_age = self.number(table, "max_age_days", path, line, positive=True, example="max_age_days = 365")
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
            half_life = self.number(table, "half_life_days", f"{path}", line, positive=True, example="half_life_days = 30")
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
            days = self.number(step, "days", step_path, line, required=True, positive=True, example="days = 30")
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

    def parse_engagement_rules(self, data: Mapping[str, object], lists: Mapping[str, tuple[str, ...]],
                               groups: Mapping[str, Group], default_decay: Decay | None) -> list[EngagementRule]:
        rules: list[EngagementRule] = []
        for index, rule, line, path, rule_id in self.rule_tables(data, "engagement", _ENGAGEMENT_KEYS):
            event = self.event_type(rule, path, line, required=True)
            where = self.parse_where(rule, path, line, lists)
            points = self.number(rule, "points", path, line, required=True, example="points = 5 (per event)")
            max_events = self.value(rule, "max_events", (int,), path, line, example="max_events = 5")
            if isinstance(max_events, int) and max_events < 1:
                self.problem(f"{path}.max_events", f"must be at least 1, got {max_events}",
                             "count at most N events with N ≥ 1, or remove it", self.key_line(line, "max_events"))
                max_events = None
            max_points = self.number(rule, "max_points", path, line, positive=True, example="max_points = 30")
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

    def event_type(self, rule: Mapping[str, object], path: str, line: int | None, *, required: bool) -> str | None:
        event = self.value(rule, "event", (str,), path, line, required=required, example='event = "page_view"')
        if event is not None and event not in EVENT_TYPES:
            self.problem(f"{path}.event", f"unknown event type '{event}'", _suggest(event, list(EVENT_TYPES)),  # type: ignore[arg-type]
                         self.key_line(line, "event"))
            return None
        return event  # type: ignore[return-value]

    def parse_where(self, rule: Mapping[str, object], path: str, line: int | None,
                    lists: Mapping[str, tuple[str, ...]]) -> tuple[Condition, ...] | None:
        where = rule.get("where", [])
        if isinstance(where, dict):
            where = [where]
        if not isinstance(where, list) or not all(isinstance(w, dict) for w in where):
            self.problem(f"{path}.where", "must be a list of conditions",
                         'write where = [{ attribute = "url", op = "contains", value = "/pricing" }]',
                         self.key_line(line, "where"))
            return None
        conditions: list[Condition] = []
        ok = True
        for i, cond in enumerate(where):
            cond_path = f"{path}.where[{i + 1}]"
            self.keys(cond, _WHERE_KEYS, cond_path, None)
            compiled = self.parse_condition(cond, "attribute", cond_path, self.key_line(line, "where"), lists)
            if compiled is None:
                ok = False
            else:
                conditions.append(compiled)
        return tuple(conditions) if ok else None

    def parse_labels(self, data: Mapping[str, object], fit: Bounds, engagement: Bounds) -> list[Label]:
        tables = self.tables(data, "labels", "labels")
        if not tables and "labels" not in data:
            self.problem("labels", "no [[labels]] defined",
                         'add at least one, e.g. [[labels]] name = "hot" min_fit = 60 min_engagement = 50, '
                         'then [[labels]] name = "cold"', None)
            return []
        labels: list[Label] = []
        names: set[str] = set()
        for index, table in enumerate(tables):
            line = self.header_line("labels", index)
            label_name = table.get("name")
            path = f'labels "{label_name}"' if isinstance(label_name, str) and label_name else f"labels[{index + 1}]"
            self.keys(table, ("name", "min_fit", "min_engagement"), path, line)
            name = self.value(table, "name", (str,), path, line, required=True, example='name = "hot"')
            min_fit = self.number(table, "min_fit", path, line)
            min_eng = self.number(table, "min_engagement", path, line)
            if isinstance(name, str):
                if name in names:
                    self.problem(f"{path}.name", f"duplicate label '{name}'", "give each label its own name", line)
                names.add(name)
            self.check_reachable(path, "min_fit", min_fit, fit, line)
            self.check_reachable(path, "min_engagement", min_eng, engagement, line)
            if labels:
                self.check_label_order(path, line, labels, min_fit, min_eng, fit, engagement)
            labels.append(Label(name if isinstance(name, str) else "", min_fit, min_eng))
        if labels and (labels[-1].min_fit is not None or labels[-1].min_engagement is not None):
            self.problem(f'labels "{labels[-1].name}"', "the last label has minimums, so some leads would get no label",
                         "remove min_fit/min_engagement from the last label (it catches every other lead)",
                         self.header_line("labels", len(tables) - 1))
        return labels

    def check_label_order(self, path: str, line: int | None, earlier: list[Label], min_fit: float | None,
                          min_eng: float | None, fit: Bounds, engagement: Bounds) -> None:
        prev = earlier[-1]
        inverted = False
        for key, mine, theirs in (("min_fit", min_fit, prev.min_fit), ("min_engagement", min_eng, prev.min_engagement)):
            if mine is not None and theirs is not None and mine > theirs:
                inverted = True
                self.problem(f"{path}.{key}", f"thresholds out of order: {mine:g} is above the {key} of "
                             f"'{prev.name}' before it ({theirs:g})",
                             "list labels from the highest thresholds to the lowest", self.key_line(line, key))
        if inverted or min_fit is None and min_eng is None:
            return
        for label in earlier:
            if ((min_fit if min_fit is not None else fit.min) >= (label.min_fit if label.min_fit is not None else fit.min)
                    and (min_eng if min_eng is not None else engagement.min)
                    >= (label.min_engagement if label.min_engagement is not None else engagement.min)):
                self.problem(path, f"can never be given: every lead that meets its minimums meets those of "
                             f"'{label.name}' first", "lower its thresholds or move it above that label", line)
                return

    def check_reachable(self, path: str, key: str, value: float | None, bounds: Bounds, line: int | None) -> None:
        if value is not None and not bounds.min <= value <= bounds.max:
            self.problem(f"{path}.{key}", f"{value:g} is outside the score's range {bounds.min}..{bounds.max}",
                         f"use a threshold from {bounds.min} to {bounds.max}", self.key_line(line, key))

    def parse_grade(self, table: object, fit: Bounds, engagement: Bounds) -> tuple[list[Band], list[Band]]:
        line = self.header_line("grade")
        if table is None:
            self.problem("grade", "the [grade] section is missing",
                         'add [grade] with fit = [{ band = "A", min = 75 }, ...] and engagement = [{ band = "1", min = 75 }, ...]',
                         None)
            return [], []
        assert isinstance(table, dict)
        self.keys(table, ("fit", "engagement"), "grade", line)
        return (self.parse_bands(table, "fit", fit, line), self.parse_bands(table, "engagement", engagement, line))

    def parse_bands(self, table: Mapping[str, object], score: str, bounds: Bounds, line: int | None) -> list[Band]:
        path = f"grade.{score}"
        key_line = self.key_line(line, score)
        bands = table.get(score)
        if not isinstance(bands, list) or not bands or not all(isinstance(b, dict) for b in bands):
            self.problem(path, "must be a non-empty list of { band = \"A\", min = N }",
                         f'write {score} = [{{ band = "{"A" if score == "fit" else "1"}", min = 75 }}, ...] '
                         "from the best band to the worst", key_line)
            return []
        parsed: list[Band] = []
        for i, spec in enumerate(bands):
            band_path = f"{path}[{i + 1}]"
            self.keys(spec, ("band", "min"), band_path, None)
            name = self.value(spec, "band", (str,), band_path, key_line, required=True, example='band = "A"')
            low = self.number(spec, "min", band_path, key_line, required=True, example="min = 50")
            if not isinstance(name, str) or low is None:
                continue
            if any(b.name == name for b in parsed):
                self.problem(f"{band_path}.band", f"duplicate band '{name}'", "give each band its own name", key_line)
            if parsed and low >= parsed[-1].min:
                self.problem(f"{band_path}.min", f"bands out of order: min {low:g} is not below {parsed[-1].min:g} "
                             f"of band '{parsed[-1].name}' before it", "list bands from the highest min to the lowest",
                             key_line)
            parsed.append(Band(name, low))
        if parsed and parsed[-1].min > bounds.min:
            self.problem(f"{path}[{len(parsed)}].min", f"the last band starts at {parsed[-1].min:g}, so scores from "
                         f"{bounds.min} up get no band", f"set the last band's min to {bounds.min}", key_line)
        return parsed

    def parse_stages(self, table: Mapping[str, object], lists: Mapping[str, tuple[str, ...]],
                     fit: Bounds, engagement: Bounds) -> tuple[tuple[str, ...], list[StageRule]]:
        line = self.header_line("stages")
        self.keys(table, ("order", "rules"), "stages", line)
        order = table.get("order", list(HUBSPOT_STAGES))
        if (not isinstance(order, list) or not order or not all(isinstance(s, str) and s for s in order)
                or len(set(order)) != len(order)):
            self.problem("stages.order", "must be a non-empty list of distinct stage names in funnel order",
                         f"e.g. order = {list(HUBSPOT_STAGES[:4])!r}", self.key_line(line, "order"))
            order = list(HUBSPOT_STAGES)
        rules_spec = table.get("rules", [])
        if not isinstance(rules_spec, list) or not all(isinstance(r, dict) for r in rules_spec):
            self.problem("stages.rules", "must be a list of [[stages.rules]] tables",
                         "write each rule as its own [[stages.rules]] table", line)
            rules_spec = []
        rules: list[StageRule] = []
        for index, spec in enumerate(rules_spec):
            rule_line = self.header_line("stages.rules", index)
            target = spec.get("stage")
            path = f'stages.rules "{target}"' if isinstance(target, str) else f"stages.rules[{index + 1}]"
            self.keys(spec, _STAGE_RULE_KEYS, path, rule_line)
            stage = self.value(spec, "stage", (str,), path, rule_line, required=True, example='stage = "marketingqualifiedlead"')
            if isinstance(stage, str) and stage not in order:
                self.problem(f"{path}.stage", f"unknown stage '{stage}'", _suggest(stage, order), self.key_line(rule_line, "stage"))
                stage = None
            min_fit = self.number(spec, "min_fit", path, rule_line)
            min_eng = self.number(spec, "min_engagement", path, rule_line)
            self.check_reachable(path, "min_fit", min_fit, fit, rule_line)
            self.check_reachable(path, "min_engagement", min_eng, engagement, rule_line)
            event = self.event_type(spec, path, rule_line, required=False)
            where = self.parse_where(spec, path, rule_line, lists)
            within = self.number(spec, "within_days", path, rule_line, positive=True, example="within_days = 30")
            if "event" not in spec:
                for key in ("where", "within_days"):
                    if key in spec:
                        self.problem(f"{path}.{key}", f"'{key}' only applies to an event", f'add event = "meeting_booked" or remove {key}',
                                     self.key_line(rule_line, key))
                if min_fit is None and min_eng is None:
                    self.problem(path, "the rule has no condition, so every lead would be promoted",
                                 "add min_fit, min_engagement and/or event", rule_line)
                    continue
            if stage is None or where is None or ("event" in spec and event is None):
                continue
            rules.append(StageRule(stage, min_fit, min_eng, event, where, within))  # type: ignore[arg-type]
        return tuple(order), rules


def _default_fit_reason(condition: Condition) -> str:
    if condition.op == "is_empty":
        return f"{condition.target} is empty"
    return f"{condition.target}: {{value}}"


def _default_event_reason(event: str, where: tuple[Condition, ...]) -> str:
    text = event.replace("_", " ")
    if where:
        text += " (" + ", ".join(c.summary for c in where) + ")"
    return text


def check(data: dict[str, object], text: str, source: str) -> ScoringModel:
    """Validate parsed TOML `data` (from `text`, named `source` in messages) into a model."""
    return _Parser(text, source).parse(data)
