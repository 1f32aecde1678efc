"""The model file checker: a model file's TOML data → a `ScoringModel`, or every problem at once.

Each problem names the file, the line where it can be found, the field path (`fit[3].points`,
`engagement "pricing_page".decay.half_life_days`), what is wrong and how to fix it, with the
nearest valid name for a typo. The format is documented for users in docs/scoring-model.md.

The checks live by concern in `connector.scoring.checking`: reporting (report.py), conditions,
rules and decay (rules.py), labels, grades and stages (verdicts.py). This module checks the
file's top-level sections and joins the parts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from connector.errors import UserError
from connector.scoring import limits
from connector.scoring.checking.report import type_name
from connector.scoring.checking.calibration import CalibrationChecks
from connector.scoring.compiled import Bounds, Group, ScoringModel
from connector.scoring.decay import NO_DECAY


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


KEY_MAX = 20
CALIBRATED_KEY_MAX = KEY_MAX - 2  # `_Probability` is two characters longer than `_Scored_At`
KEY_PATTERN = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
UNKEYED = "default"  # how figures name the model without a key

_TOP_KEYS = ("model", "scores", "lists", "groups", "fit", "engagement", "decay", "labels", "grade", "stages",
             "account", "calibration")


class _Parser(CalibrationChecks):
    """The whole file: its metadata, score bounds, lists and groups, then the parts' sections."""

    def parse(self, data: dict[str, object]) -> ScoringModel:
        self.keys(data, _TOP_KEYS, "", None)
        for key in _TOP_KEYS:
            if key in ("fit", "engagement", "labels", "account", "calibration"):
                continue
            if key in data and not isinstance(data[key], dict):
                self.problem(key, f"expected a table, got {type_name(data[key])}", f"write it as a [{key}] section",
                             self.header_line(key))
                data = {k: v for k, v in data.items() if k != key}
        name, version, description = self.parse_meta(data.get("model"))
        key, moves_stage = self.parse_key(data.get("model"))
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
        model = ScoringModel(
            name=name or "", version=version or "", source=self.source, description=description or "",
            fit_bounds=fit_bounds, engagement_bounds=engagement_bounds, lists=lists, groups=groups,
            fit_rules=tuple(fit_rules), engagement_rules=tuple(engagement_rules), default_decay=default_decay,
            labels=tuple(labels), fit_bands=tuple(fit_bands), engagement_bands=tuple(engagement_bands),
            stages=stages, stage_rules=tuple(stage_rules), key=key, moves_stage=moves_stage,
        )
        account = self.parse_account(data.get("account"), model)
        calibration = self.parse_calibration(data.get("calibration"), fit_bounds, engagement_bounds)
        if calibration is not None and key is not None and len(key) > CALIBRATED_KEY_MAX:
            self.problem("model.key", f"{key!r} is {len(key)} characters, too long for a calibrated model's "
                         f"Salesforce field Leadscore_<Key>_Probability__c (40 at most)",
                         f"shorten the key to {CALIBRATED_KEY_MAX} characters", self.key_line(self.header_line("model"), "key"))
        if self.problems:
            raise ModelError(self.source, self.messages())
        if account is not None or calibration is not None:
            model = replace(model, account=account, calibration=calibration)
        return model

    def parse_meta(self, table: object) -> tuple[str | None, str | None, str | None]:
        line = self.header_line("model")
        if table is None:
            self.problem("model", "the [model] section is missing",
                         'add [model] with name = "..." and version = "1.0.0" at the top', 1)
            return None, None, None
        assert isinstance(table, dict)
        self.keys(table, ("name", "version", "description", "key", "moves_stage"), "model", line)
        name = self.plain(table, "name", "model", line, required=True, example='name = "b2b-default"')
        version = self.plain(table, "version", "model", line, required=True,
                             example='version = "1.0.0" (in quotes)')
        description = self.value(table, "description", (str,), "model", line)
        for key, value in (("name", name), ("version", version)):
            if isinstance(value, str) and not value.strip():
                self.problem(f"model.{key}", "is empty", f"give the model a {key}; it is written with every score",
                             self.key_line(line, key))
        return name, version, description  # type: ignore[return-value]

    def parse_key(self, table: object) -> tuple[str | None, bool]:
        """`key` (the model's properties are `<prefix><key>_fit` ...) and `moves_stage`. A key is
        part of CRM field names: lower-case letters and digits in words joined by `_`, short
        enough for Salesforce's 40-character field names (`Leadscore_<Key>_Scored_At`)."""
        if not isinstance(table, dict):
            return None, False
        line = self.header_line("model")
        key = self.value(table, "key", (str,), "model", line)
        moves = self.value(table, "moves_stage", (bool,), "model", line)
        if isinstance(key, str) and (not KEY_PATTERN.fullmatch(key) or len(key) > KEY_MAX
                                     or key == UNKEYED):
            why = (f"'{UNKEYED}' names the model without a key" if key == UNKEYED else
                   f"{key!r} is not lower-case letters and digits in words joined by '_', "
                   f"at most {KEY_MAX} characters")
            self.problem("model.key", why, 'write a short name such as key = "enterprise"',
                         self.key_line(line, "key"))
            key = None
        return (key if isinstance(key, str) else None), moves is True

    def parse_bounds(self, data: Mapping[str, object], score: str) -> Bounds:
        scores = data.get("scores", {})
        if not isinstance(scores, dict):
            return Bounds(0, 100)
        self.keys(scores, ("fit", "engagement"), "scores", self.header_line("scores"))
        table = scores.get(score, {})
        path = f"scores.{score}"
        line = self.header_line(path)
        if not isinstance(table, dict):
            self.problem(path, f"expected a table, got {type_name(table)}", f"write [{path}] with min and max", line)
            return Bounds(0, 100)
        self.keys(table, ("min", "max"), path, line)
        low = self.whole(table, "min", path, line, (-limits.TOTAL, limits.TOTAL), example="min = 0")
        high = self.whole(table, "max", path, line, (-limits.TOTAL, limits.TOTAL), example="max = 100")
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
            if not name.isprintable():
                self.problem(f"groups.{name!r}", "the group's name contains an invisible or control character",
                             "name the group with visible characters only (reasons quote it)", line)
                continue
            if not isinstance(spec, dict):
                self.problem(path, f"expected a table, got {type_name(spec)}", f"write [{path}] with max = N", line)
                continue
            self.keys(spec, ("min", "max"), path, line)
            low = self.number(spec, "min", path, line, bounds=(-limits.TOTAL, limits.TOTAL))
            high = self.number(spec, "max", path, line, bounds=(-limits.TOTAL, limits.TOTAL))
            if high is not None and high < 0:
                self.problem(f"{path}.max", f"must be 0 or more, got {high:g}: a group's max holds its rules' "
                             "points down, so a negative one would take every point away",
                             "write max = 0 or more; to limit penalties use min = -N", self.key_line(line, "max"))
                high = None
            if low is not None and low > 0:
                self.problem(f"{path}.min", f"must be 0 or less, got {low:g}: a group's min limits its penalties",
                             "write min = -N (how far penalties may go), or remove it", self.key_line(line, "min"))
                low = None
            if low is None and high is None and not any(k not in ("min", "max") for k in spec):
                self.problem(path, "a group needs a cap", "add max = N (and/or min = N)", line)
            if low is not None and high is not None and low > high:
                self.problem(f"{path}.min", f"min ({low:g}) is above max ({high:g})", "swap them", self.key_line(line, "min"))
            groups[name] = Group(name, low, high)
        return groups


def check(data: dict[str, object], text: str, source: str) -> ScoringModel:
    """Validate parsed TOML `data` (from `text`, named `source` in messages) into a model."""
    return _Parser(text, source).parse(data)
