"""The mapping file: how the columns of a leads export become a neutral lead.

It says which column holds the id and the outcome, which columns are properties (and under which
name the model sees them), which become events, which were filled in after contact (post-contact:
they leak the outcome and are never given to a model or to the fit), and which to ignore.
See `config/xeducation_mapping.toml` for a full, commented example.

    [source]
    id = "Prospect ID"
    outcome = "Converted"                 # the default for --outcome
    converted = ["1", "yes", "true"]       # values that mean converted (case-insensitive)
    not_converted = ["0", "no", "false"]
    missing = ["Select"]                  # values that mean "not filled in" (empty always does)
    as_of = "Scored At"                   # optional: per-lead cutoff; score as of this time

    [properties]                          # column = the property name the model reads
    "Lead Source" = "lead_source"

    [[events]]                            # a column of counts becomes that many events
    column = "TotalVisits"
    type = "visit"
    # or values = { "Email Opened" = "email_open" } (the column's value names the event type)
    # timestamp = "Last Visit At"         # optional column with the events' time

    [post_contact]
    columns = ["Tags"]

    [ignore]
    columns = ["Lead Number"]
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connector.errors import UserError


class MappingError(UserError):
    """A mapping file mistake; the message names the file, the field and the fix."""


@dataclass(frozen=True, slots=True)
class EventColumn:
    column: str
    type: str | None = None  # with a count column: the event type
    values: Mapping[str, str] = field(default_factory=dict)  # value -> event type
    timestamp: str | None = None


@dataclass(frozen=True, slots=True)
class LeadMapping:
    source: str
    id: str | None = None
    outcome: str | None = None
    converted: frozenset[str] = frozenset({"1", "yes", "true", "converted", "won"})
    not_converted: frozenset[str] = frozenset({"0", "no", "false", "lost"})
    missing: frozenset[str] = frozenset()
    as_of: str | None = None
    properties: Mapping[str, str] = field(default_factory=dict)
    events: tuple[EventColumn, ...] = ()
    post_contact: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()

    @property
    def explicit(self) -> bool:
        """True when the file lists its properties; otherwise every other column is one."""
        return bool(self.properties)

    def columns(self) -> set[str]:
        """Every column the mapping names."""
        named = set(self.properties) | self.post_contact | self.ignore
        named |= {e.column for e in self.events} | {e.timestamp for e in self.events if e.timestamp}
        return named | {c for c in (self.id, self.outcome, self.as_of) if c}


DEFAULT = LeadMapping(source="(no mapping file)")

_SECTIONS = {
    "source": {"id", "outcome", "converted", "not_converted", "missing", "as_of"},
    "properties": None,
    "events": {"column", "type", "values", "timestamp"},
    "post_contact": {"columns"},
    "ignore": {"columns"},
}


def _fail(source: str, where: str, what: str, fix: str) -> MappingError:
    end = "" if fix.endswith(("?", ".")) else "."
    return MappingError(f"{source}: {where}: {what}; fix: {fix}{end}")


def nearest(name: str, options: Iterable[str]) -> str:
    """A fix for a misspelt name: the closest valid one, or the list of valid ones."""
    close = difflib.get_close_matches(name, sorted(options), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(sorted(options))}"


def _check_keys(source: str, where: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    for key in table:
        if key not in allowed:
            raise _fail(source, f"{where}.{key}", "unknown key", nearest(key, allowed))


def _text(source: str, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise _fail(source, where, f"expected a column name (text), got {value!r}", 'write it in quotes, e.g. "Converted"')
    return value


def _texts(source: str, where: str, value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(source, where, f"expected a list of text, got {value!r}", 'write a list such as ["a", "b"]')
    return frozenset(value)


def parse_mapping(text: str, source: str) -> LeadMapping:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(source, "syntax", str(exc), "correct the TOML at that line") from None
    _check_keys(source, "mapping", data, set(_SECTIONS))
    src = data.get("source", {})
    _check_keys(source, "[source]", src, _SECTIONS["source"])
    properties = data.get("properties", {})
    if not isinstance(properties, dict):
        raise _fail(source, "[properties]", "expected a table of column = property name", 'write "Column" = "property"')
    for column, name in properties.items():
        _text(source, f"[properties].{column!r}", name)
    mapping = LeadMapping(
        source=source,
        id=_text(source, "[source].id", src["id"]) if "id" in src else None,
        outcome=_text(source, "[source].outcome", src["outcome"]) if "outcome" in src else None,
        converted=_lowered(source, src, "converted", DEFAULT.converted),
        not_converted=_lowered(source, src, "not_converted", DEFAULT.not_converted),
        missing=_lowered(source, src, "missing", frozenset()),
        as_of=_text(source, "[source].as_of", src["as_of"]) if "as_of" in src else None,
        properties=dict(properties),
        events=tuple(_event(source, i, e) for i, e in enumerate(_tables(source, data.get("events", [])))),
        post_contact=_column_list(source, data, "post_contact"),
        ignore=_column_list(source, data, "ignore"),
    )
    _check_overlaps(mapping)
    return mapping


def _lowered(source: str, table: Mapping[str, Any], key: str, default: frozenset[str]) -> frozenset[str]:
    if key not in table:
        return default
    return frozenset(v.strip().lower() for v in _texts(source, f"[source].{key}", table[key]))


def _tables(source: str, value: Any) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _fail(source, "[[events]]", "expected an array of tables", "write each as [[events]] with column = ...")
    return value


def _column_list(source: str, data: Mapping[str, Any], section: str) -> frozenset[str]:
    table = data.get(section, {})
    _check_keys(source, f"[{section}]", table, {"columns"})
    return _texts(source, f"[{section}].columns", table.get("columns", []))


def _event(source: str, index: int, table: Mapping[str, Any]) -> EventColumn:
    where = f"[[events]] #{index + 1}"
    _check_keys(source, where, table, _SECTIONS["events"])
    if "column" not in table:
        raise _fail(source, f"{where}.column", "missing", "name the column that holds the events")
    column = _text(source, f"{where}.column", table["column"])
    kind, values = table.get("type"), table.get("values", {})
    if (kind is None) == (not values):
        raise _fail(source, where, f"column {column!r} needs exactly one of type (a count column) or values", 'use type = "visit" for counts, values = { "Email Opened" = "email_open" } for a value per event')
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        raise _fail(source, f"{where}.values", "expected a table of value = event type", 'write values = { "Email Opened" = "email_open" }')
    types = [kind] if kind is not None else list(values.values())
    for t in types:
        _check_event_type(source, f"{where}", _text(source, f"{where}.type", t))
    timestamp = _text(source, f"{where}.timestamp", table["timestamp"]) if "timestamp" in table else None
    return EventColumn(column=column, type=kind, values=dict(values), timestamp=timestamp)


def _check_event_type(source: str, where: str, kind: str) -> None:
    from connector.scoring.events import EVENT_TYPES

    if kind not in EVENT_TYPES:
        raise _fail(source, where, f"unknown event type {kind!r}", nearest(kind, EVENT_TYPES))


def _check_overlaps(m: LeadMapping) -> None:
    roles: dict[str, str] = {}
    named = [("[source].id", m.id), ("[source].outcome", m.outcome), ("[source].as_of", m.as_of)]
    named += [("[properties]", c) for c in m.properties]
    named += [("[[events]]", e.column) for e in m.events]
    named += [("[post_contact]", c) for c in sorted(m.post_contact)]
    named += [("[ignore]", c) for c in sorted(m.ignore)]
    for role, column in named:
        if column is None:
            continue
        if column in roles:
            raise _fail(m.source, role, f"column {column!r} is already used in {roles[column]}", "give each column one role")
        roles[column] = role
    seen: dict[str, str] = {}
    for column, name in m.properties.items():
        if name in seen:
            raise _fail(m.source, f"[properties].{column!r}", f"property name {name!r} is also given to {seen[name]!r}", "give each column its own property name")
        seen[name] = column


def load_mapping(path: Path | str) -> LeadMapping:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"{path}: cannot read the mapping file ({exc.strerror}); fix: pass an existing file with --mapping.") from None
    return parse_mapping(text, str(path))


def check_columns(mapping: LeadMapping, header: Iterable[str], leads_file: str) -> None:
    """Every column the mapping names must be in the leads file; name the nearest one if not."""
    header = list(header)
    for column in sorted(mapping.columns()):
        if column not in header:
            raise _fail(
                mapping.source,
                f"column {column!r}",
                f"not in the header of {leads_file}",
                nearest(column, header),
            )
