"""Checking what the two scores lead to: labels, grades (fit band × engagement band) and
lifecycle stage rules."""

from __future__ import annotations

from collections.abc import Mapping

from connector.scoring import limits
from connector.scoring.checking.rules import RuleChecks
from connector.scoring.checking.report import suggest
from connector.scoring.compiled import HUBSPOT_STAGES, Band, Bounds, Label, StageRule

STAGE_RULE_KEYS = ("stage", "min_fit", "min_engagement", "event", "where", "within_days")


class VerdictChecks(RuleChecks):
    """Labels, grades and stages; stage rules may look for events, so they build on the rules."""

    def parse_labels(self, data: Mapping[str, object], fit: Bounds, engagement: Bounds,
                     section: str = "labels") -> list[Label]:
        tables = self.tables(data, "labels", section)
        if not tables and "labels" not in data:
            self.problem(section, f"no [[{section}]] defined",
                         f'add at least one, e.g. [[{section}]] name = "hot" min_fit = 60 min_engagement = 50, '
                         f'then [[{section}]] name = "cold"', None)
            return []
        labels: list[Label] = []
        names: set[str] = set()
        for index, table in enumerate(tables):
            line = self.header_line(section, index)
            label_name = table.get("name")
            path = f'{section} "{label_name}"' if isinstance(label_name, str) and label_name else f"{section}[{index + 1}]"
            self.keys(table, ("name", "min_fit", "min_engagement"), path, line)
            name = self.plain(table, "name", path, line, required=True, example='name = "hot"')
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
            self.problem(f'{section} "{labels[-1].name}"', "the last label has minimums, so some leads would get no label",
                         "remove min_fit/min_engagement from the last label (it catches every other lead)",
                         self.header_line(section, len(tables) - 1))
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

    def parse_grade(self, table: object, fit: Bounds, engagement: Bounds, section: str = "grade"
                    ) -> tuple[list[Band], list[Band]]:
        line = self.header_line(section)
        if table is None:
            self.problem(section, f"the [{section}] section is missing",
                         f'add [{section}] with fit = [{{ band = "A", min = 75 }}, ...] and engagement = '
                         '[{ band = "1", min = 75 }, ...]', None)
            return [], []
        assert isinstance(table, dict)
        self.keys(table, ("fit", "engagement"), section, line)
        return (self.parse_bands(table, "fit", fit, line, section),
                self.parse_bands(table, "engagement", engagement, line, section))

    def parse_bands(self, table: Mapping[str, object], score: str, bounds: Bounds, line: int | None,
                    section: str = "grade") -> list[Band]:
        path = f"{section}.{score}"
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
            name = self.plain(spec, "band", band_path, key_line, required=True, example='band = "A"')
            low = self.number(spec, "min", band_path, key_line, required=True, example="min = 50",
                              bounds=(-limits.TOTAL, limits.TOTAL))
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
        if (not isinstance(order, list) or not order or not all(isinstance(s, str) and s and s.isprintable() for s in order)
                or len(set(order)) != len(order)):
            self.problem("stages.order", "must be a non-empty list of distinct, visible stage names in funnel order",
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
            self.keys(spec, STAGE_RULE_KEYS, path, rule_line)
            stage = self.value(spec, "stage", (str,), path, rule_line, required=True, example='stage = "marketingqualifiedlead"')
            if isinstance(stage, str) and stage not in order:
                self.problem(f"{path}.stage", f"unknown stage '{stage}'", suggest(stage, order), self.key_line(rule_line, "stage"))
                stage = None
            min_fit = self.number(spec, "min_fit", path, rule_line)
            min_eng = self.number(spec, "min_engagement", path, rule_line)
            self.check_reachable(path, "min_fit", min_fit, fit, rule_line)
            self.check_reachable(path, "min_engagement", min_eng, engagement, rule_line)
            event = self.event_type(spec, path, rule_line, required=False)
            where = self.parse_where(spec, path, rule_line, lists)
            within = self.number(spec, "within_days", path, rule_line, positive=True, example="within_days = 30",
                                 bounds=(0, limits.DAYS))
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
