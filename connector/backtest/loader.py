"""Read a history of leads with known outcomes (CSV or JSONL) into neutral `Lead`s.

A CSV row is a set of columns; a JSONL line is a lead as `leadscore score` reads it
(`{"id", "properties": {...}, "events": [{"type", "timestamp", "attributes", "count"}]}`) whose
top-level fields and properties count as its columns. The mapping file then decides what each
column becomes (see `connector.backtest.mapping`). Post-contact and ignored columns never reach
the `Lead`, and neither does the outcome.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from connector.backtest.mapping import DEFAULT, EventColumn, LeadMapping, MappingError, check_columns, nearest
from connector.errors import UserError
from connector.scoring.leadfile import lead_from_dict, parse_lead_line, parse_timestamp
from connector.scoring.types import Event, Lead


@dataclass(frozen=True, slots=True)
class LabeledLead:
    lead: Lead
    outcome: int  # 1 converted, 0 not
    as_of: datetime | None = None  # score as of this time (only events before it count)


@dataclass
class LeadHistory:
    source: str
    outcome: str
    leads: Sequence[LabeledLead]  # a list, or compact (connector.backtest.compact.CompactHistory)
    warnings: list[str] = field(default_factory=list)
    left_out: frozenset[str] = frozenset()  # post-contact columns kept from the model
    # The calibration's sample (connector.backtest.calibration): with `horizon_days`, the outcome
    # is "converted within that many days of the moment scored". `snapshot` (--from-crm): every
    # lead as it was `horizon_days` before now, not converted yet, its outcome whether it did
    # since; without it the leads themselves are the sample (an export's outcome window, as told).
    horizon_days: int | None = None
    snapshot: Sequence[LabeledLead] | None = None
    converted: str = "converted"  # how the calibration's sentence says it: "became customers"

    @property
    def outcomes(self) -> list[int]:
        outcome = getattr(self.leads, "outcome", None)  # a compact history's array (connector.backtest.compact)
        return outcome.tolist() if outcome is not None else [item.outcome for item in self.leads]


def load_history(path: Path | str, outcome: str | None, mapping: LeadMapping = DEFAULT) -> LeadHistory:
    """Every lead of the file with a known outcome; rows without one are counted in `warnings`."""
    path = Path(path)
    outcome = outcome or mapping.outcome
    if not outcome:
        raise UserError(f"{path}: no outcome column given; fix: pass --outcome COLUMN or set [source].outcome in the mapping file.")
    if not path.is_file():
        raise UserError(f"{path}: no such leads file; fix: pass an existing CSV or JSONL file with --leads.")
    jsonl = path.suffix.lower() in {".jsonl", ".ndjson"}
    rows = _jsonl_rows(path) if jsonl else _csv_rows(path)
    reader = _RowReader(mapping, outcome, str(path), strict_columns=not jsonl)
    leads = [lead for lead in (reader.read(number, columns, events) for number, columns, events in rows) if lead]
    if not leads:
        raise UserError(f"{path}: no lead with a known outcome in {outcome!r}; fix: check the column and [source].converted / not_converted in the mapping.")
    return LeadHistory(str(path), outcome, leads, reader.warnings(), mapping.post_contact)


def read_csv_leads(path: Path | str, mapping: LeadMapping = DEFAULT) -> Iterator[Lead]:
    """The leads of a CSV export, read by the mapping as the backtest reads a history, for
    `leadscore score`: no outcome and no cutoff column needed; a "stage" column is the lead's
    lifecycle stage. Rows are read one at a time."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such leads file; fix: pass an existing CSV file with --leads.")
    reader = _RowReader(replace(mapping, outcome=None, as_of=None), None, str(path), strict_columns=True, read_stage=True)
    for number, columns, events in _csv_rows(path):
        yield reader.lead(number, columns, events)


Row = tuple[int, Mapping[str, Any], list[Event]]


def _csv_rows(path: Path) -> Iterator[Row]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames:
            raise UserError(f"{path}: the file is empty; fix: export the leads with a header row.")
        for number, row in enumerate(reader, start=2):
            yield number, row, []


def _jsonl_rows(path: Path) -> Iterator[Row]:
    """Each line read as `leadscore score` reads it (connector.scoring.leadfile); its top-level
    fields (the outcome, a cutoff) and its properties are the row's columns."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            where = f"{path}:{number}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                data = None
            if not isinstance(data, dict):
                parse_lead_line(line, where)  # raises the scoring core's message for a bad line
                continue
            lead = lead_from_dict(data, where)
            columns: dict[str, Any] = {k: v for k, v in data.items() if k not in {"properties", "events"}}
            columns.update(lead.properties)
            yield number, columns, list(lead.events)


class _RowReader:
    """Turns one row's columns into a `LabeledLead` by the mapping, counting what it cannot use."""

    def __init__(self, mapping: LeadMapping, outcome: str | None, source: str, strict_columns: bool, read_stage: bool | None = None) -> None:
        self.mapping, self.outcome, self.source = mapping, outcome, source
        self.strict_columns = strict_columns  # a CSV header must hold every mapped column
        # A JSONL lead may carry its lifecycle "stage"; so may a CSV row being scored (not a history's).
        self.read_stage = not strict_columns if read_stage is None else read_stage
        self.checked = False
        self.problems: Counter[str] = Counter()
        self.examples: dict[str, str] = {}

    def _note(self, problem: str, example: str) -> None:
        self.problems[problem] += 1
        self.examples.setdefault(problem, example)

    def warnings(self) -> list[str]:
        return [f"{count} {problem} (first: {self.examples[problem]})" for problem, count in self.problems.items()]

    def _check(self, columns: Mapping[str, Any]) -> None:
        if self.outcome is not None and self.outcome not in columns:
            raise UserError(f"{self.source}: no outcome column {self.outcome!r}; fix: {nearest(self.outcome, columns)}")
        if self.strict_columns and self.mapping is not DEFAULT:
            check_columns(self.mapping, columns, self.source)
        self.checked = True

    def _value(self, raw: Any) -> str | None:
        if raw is None:
            return None
        text = str(raw).strip()
        return None if not text or text.lower() in self.mapping.missing else text

    def read(self, number: int, columns: Mapping[str, Any], events: list[Event]) -> LabeledLead | None:
        if not self.checked:
            self._check(columns)
        m = self.mapping
        raw_outcome = str(columns.get(self.outcome) or "").strip().lower()
        if raw_outcome in m.converted:
            outcome = 1
        elif raw_outcome in m.not_converted:
            outcome = 0
        else:
            self._note("rows without a known outcome were left out", f"line {number}: {raw_outcome!r}")
            return None
        lead = self.lead(number, columns, events)
        as_of = self._time(number, columns.get(m.as_of)) if m.as_of else None
        return LabeledLead(lead, outcome, as_of)

    def lead(self, number: int, columns: Mapping[str, Any], events: list[Event]) -> Lead:
        """The row as a neutral lead: its id, mapped properties, events and (JSONL) stage."""
        if not self.checked:
            self._check(columns)
        m = self.mapping
        lead_id = self._value(columns.get(m.id or "id")) or f"line {number}"
        if m.explicit:
            properties = {name: self._value(columns.get(column)) for column, name in m.properties.items()}
        else:
            skip = m.columns() | {c for c in (self.outcome,) if c} | {"id", "stage"}
            properties = {k: self._value(v) for k, v in columns.items() if k not in skip}
        events = events + [e for spec in m.events for e in self._events(number, spec, columns)]
        stage = self._value(columns.get("stage")) if self.read_stage else None
        return Lead(lead_id, properties, tuple(events), stage)

    def _time(self, number: int, raw: Any) -> datetime | None:
        value = self._value(raw)
        if value is None:
            return None
        stamp = parse_timestamp(value)
        if stamp is None:
            self._note("unreadable timestamps were left empty", f"line {number}: {value!r}")
        return stamp

    def _events(self, number: int, spec: EventColumn, columns: Mapping[str, Any]) -> list[Event]:
        value = self._value(columns.get(spec.column))
        if value is None:
            return []
        timestamp = self._time(number, columns.get(spec.timestamp)) if spec.timestamp else None
        if spec.type is None:
            kind = spec.values.get(value)
            return [Event(kind, timestamp)] if kind else []
        try:
            count = float(value)
        except ValueError:
            count = -1.0
        if count < 0 or count != int(count):
            self._note(f"values of {spec.column!r} are not whole counts and were left out", f"line {number}: {value!r}")
            return []
        return [Event(spec.type, timestamp, {}, int(count))] if count else []


__all__ = ["LabeledLead", "LeadHistory", "MappingError", "load_history", "read_csv_leads"]
