"""Reporting a model file's problems: each names the file, the line where it can be found, the
field path (`fit[3].points`), what is wrong and how to fix it, with the nearest valid name for a
typo. The typed getters below report what they cannot use and return None for it."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping

_TYPE_NAMES = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
               list: "a list", dict: "a table"}


def type_name(value: object) -> str:
    for kind, name in _TYPE_NAMES.items():
        if type(value) is kind:
            return name
    return type(value).__name__


def suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    shown = ", ".join(choices[:12]) + (", ..." if len(choices) > 12 else "")
    return f"use one of: {shown}"


class Report:
    """The problems found in one model file, and the typed getters that find them."""

    def __init__(self, text: str, source: str):
        self.text = text
        self.source = source
        self.lines = text.splitlines()
        self.problems: list[tuple[int, int, str]] = []  # (line or big, order, message)

    def messages(self) -> list[str]:
        """The problems' messages, by line (those without a line last), then in order found."""
        return [message for _, _, message in sorted(self.problems)]

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

    def keys(self, table: Mapping[str, object], allowed: tuple[str, ...], path: str, line: int | None) -> None:
        for key in table:
            if key not in allowed:
                self.problem(f"{path}.{key}" if path else key, f"unknown key '{key}'",
                             suggest(key, list(allowed)), self.key_line(line, key) if line else None)

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
            self.problem(full, f"expected {wanted}, got {type_name(value)} {value!r}",
                         f"write it as {example or wanted}", self.key_line(line, key))
            return None
        return value

    def number(self, table: Mapping[str, object], key: str, path: str, line: int | None, *,
               required: bool = False, example: str = "", positive: bool = False,
               bounds: tuple[float, float] | None = None) -> float | None:
        """A finite number; above 0 when `positive`; within `bounds` (both included) when given."""
        value = self.value(table, key, (int, float), path, line, required=required, example=example)
        if value is None:
            return None
        try:
            number = float(value)  # type: ignore[arg-type]
        except OverflowError:  # a whole number too large for a float
            number = float("inf")
        if not math.isfinite(number):
            self.problem(f"{path}.{key}", "must be a finite number", "write a plain number", self.key_line(line, key))
            return None
        if positive and number <= 0:
            self.problem(f"{path}.{key}", f"must be above 0, got {value}", f"write a positive number, e.g. {example or key + ' = 30'}",
                         self.key_line(line, key))
            return None
        if bounds is not None and not bounds[0] <= number <= bounds[1]:
            self.out_of_bounds(f"{path}.{key}", value, bounds, self.key_line(line, key))
            return None
        return number

    def out_of_bounds(self, path: str, value: object, bounds: tuple[float, float], line: int | None) -> None:
        low, high = (f"{b:,g}" if isinstance(b, float) and not float(b).is_integer() else f"{int(b):,}" for b in bounds)
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        if len(shown) > 24:
            shown = shown[:20] + "..."
        self.problem(path, f"{shown} is outside the allowed range {low} to {high}",
                     f"write a number from {low} to {high} (the bounds are in docs/scoring-model.md, Bounds)", line)

    def whole(self, table: Mapping[str, object], key: str, path: str, line: int | None, bounds: tuple[int, int], *,
              example: str = "") -> int | None:
        """An optional whole number within `bounds`."""
        value = self.value(table, key, (int,), path, line, example=example)
        if value is None:
            return None
        if not bounds[0] <= value <= bounds[1]:  # type: ignore[operator]
            self.out_of_bounds(f"{path}.{key}", value, bounds, self.key_line(line, key))
            return None
        return value  # type: ignore[return-value]

    def plain(self, table: Mapping[str, object], key: str, path: str, line: int | None, *,
              required: bool = False, example: str = "") -> str | None:
        """Text that is written to the CRM or names something: printable, no invisible characters."""
        value = self.value(table, key, (str,), path, line, required=required, example=example)
        if not isinstance(value, str):
            return None
        if not value.isprintable():
            bad = next(c for c in value if not c.isprintable())
            self.problem(f"{path}.{key}", f"contains an invisible or control character (U+{ord(bad):04X}) in {value!r}",
                         "retype the text with visible characters only (a pasted value can carry a zero-width "
                         "space or a NUL)", self.key_line(line, key))
            return None
        return value

    def tables(self, data: Mapping[str, object], key: str, path: str) -> list[Mapping[str, object]]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
            self.problem(path, f"expected a list of tables, got {type_name(value)}",
                         f"write each entry as its own [[{path}]] table", self.header_line(path))
            return []
        return value
