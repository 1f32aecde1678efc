"""Checking conditions: a fit rule's property test, an event's `where` attribute tests."""

from __future__ import annotations

import re
from collections.abc import Mapping

from connector.scoring.checking.report import Report, suggest
from connector.scoring.conditions import LIST_OPS, OPS, Condition, base_op, compile_condition

WHERE_KEYS = ("attribute", "op", "value", "list", "min", "max")


class ConditionChecks(Report):
    """Conditions, compiled to predicates once they are valid."""

    def parse_condition(self, table: Mapping[str, object], target_key: str, path: str, line: int | None,
                        lists: Mapping[str, tuple[str, ...]]) -> Condition | None:
        target = self.plain(table, target_key, path, line, required=True,
                            example=f'{target_key} = "{"jobtitle" if target_key == "property" else "url"}"')
        op = self.value(table, "op", (str,), path, line, required=True, example='op = "equals"')
        if op is not None and op not in OPS:
            self.problem(f"{path}.op", f"unknown op '{op}'", suggest(op, list(OPS)), self.key_line(line, "op"))
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
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = self.number(table, "value", path, line)
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
                fix = suggest(name, choices) if choices else "define it under [lists]"  # type: ignore[arg-type]
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
            self.keys(cond, WHERE_KEYS, cond_path, None)
            compiled = self.parse_condition(cond, "attribute", cond_path, self.key_line(line, "where"), lists)
            if compiled is None:
                ok = False
            else:
                conditions.append(compiled)
        return tuple(conditions) if ok else None
