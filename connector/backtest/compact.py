"""Leads held as compact arrays, not objects: what keeps `fit --from-crm` and `backtest
--from-crm` flat in memory at a hundred thousand contacts.

A `Lead` of the CRM costs kilobytes as Python objects (a dict of properties, an `Event` object,
a `datetime` and an attributes dict per event). `CompactLeads` keeps each lead as a few numbers
instead: every property value and stage as a code into one vocabulary per property, every event
as its type code, time (microseconds since the epoch: exact), count and attributes code, in flat `array`s with one
offset per lead; only the event attributes asked for are kept (those the model's `where`
conditions read: the fit learns from event types, never their attributes). A lead is made
again, as an ordinary `Lead`, each time it is read (`[i]`, iteration): the fit and the core see
the same leads as before, at the cost of building them again on each pass.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar, overload

from connector.backtest.loader import LabeledLead
from connector.scoring.types import Event, Lead

NONE = -1  # the code of a missing value or attribute set
NO_TIME = -(2**63)  # an undated event, a lead without a moment
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
T = TypeVar("T")


def _micros(moment: datetime | None) -> int:
    """A moment as whole microseconds since the epoch: exact, unlike a float of seconds."""
    return NO_TIME if moment is None else (moment - EPOCH) // MICROSECOND


def _moment(micros: int) -> datetime | None:
    return None if micros == NO_TIME else EPOCH + timedelta(microseconds=micros)


class _Codes:
    """Values ↔ small whole numbers, each value stored once."""

    def __init__(self) -> None:
        self.values: list = []
        self._codes: dict = {}

    def code(self, value: object) -> int:
        if value is None:
            return NONE
        found = self._codes.get(value)
        if found is None:
            found = self._codes[value] = len(self.values)
            self.values.append(value)
        return found

    def value(self, code: int) -> object:
        return None if code == NONE else self.values[code]


class CompactLeads(Sequence[Lead]):
    """Leads appended one by one, kept as arrays (module docstring), read back as `Lead`s.

    `attributes`: per event type, the attributes kept (None: every attribute of every event)."""

    def __init__(self, attributes: Mapping[str, Sequence[str]] | None = None) -> None:
        self.attributes = None if attributes is None else {k: tuple(v) for k, v in attributes.items()}
        self.ids: list[str] = []
        self.names = _Codes()  # property names, in first-seen order
        self.columns: list[array] = []  # per property name: each lead's value code
        self.vocab: list[_Codes] = []  # per property name: its values
        self.stages = _Codes()
        self.stage = array("i")
        self.start = array("q", [0])  # lead i's events are start[i]:start[i + 1]
        self.types, self.attrs = _Codes(), _Codes()
        self.event_type, self.event_attrs = array("i"), array("i")
        self.event_time, self.event_count = array("q"), array("q")

    def append(self, lead: Lead) -> None:
        row = len(self.ids)
        self.ids.append(lead.id)
        for name, value in lead.properties.items():
            column = self._column(name, row)
            column[row] = self.vocab[self.names.code(name)].code(value)
        for column in self.columns:
            if len(column) == row:
                column.append(NONE)
        self.stage.append(self.stages.code(lead.stage))
        for event in lead.events:
            self.event_type.append(self.types.code(event.type))
            self.event_time.append(_micros(event.timestamp))
            self.event_count.append(event.count)
            self.event_attrs.append(self.attrs.code(self._kept(event)))
        self.start.append(len(self.event_type))

    def _column(self, name: str, row: int) -> array:
        code = self.names.code(name)
        if code == len(self.columns):
            self.columns.append(array("i", [NONE] * row))
            self.vocab.append(_Codes())
        column = self.columns[code]
        if len(column) == row:
            column.append(NONE)
        return column

    def _kept(self, event: Event) -> tuple[tuple[str, str], ...] | None:
        if not event.attributes:
            return None
        wanted = None if self.attributes is None else self.attributes.get(event.type, ())
        kept = tuple((k, v) for k, v in event.attributes.items() if wanted is None or k in wanted)
        return kept or None

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Lead: ...
    @overload
    def __getitem__(self, index: slice) -> list[Lead]: ...
    def __getitem__(self, index):  # noqa: ANN001, ANN204 (the overloads above)
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        properties = {}
        for code, column in enumerate(self.columns):
            value = column[index]
            if value != NONE:
                properties[self.names.values[code]] = self.vocab[code].values[value]
        return Lead(self.ids[index], properties, self._events(index), self.stages.value(self.stage[index]))

    def _events(self, index: int) -> tuple[Event, ...]:
        events = []
        for e in range(self.start[index], self.start[index + 1]):
            attrs = self.attrs.value(self.event_attrs[e])
            events.append(Event(self.types.values[self.event_type[e]], _moment(self.event_time[e]),
                                dict(attrs) if attrs else {}, self.event_count[e]))
        return tuple(events)


class CompactHistory(Sequence[LabeledLead]):
    """A history's labelled leads on `CompactLeads`: outcome and moment as arrays beside them."""

    def __init__(self, attributes: Mapping[str, Sequence[str]] | None = None) -> None:
        self.leads = CompactLeads(attributes)
        self.outcome = array("b")
        self.moment = array("q")

    def append(self, item: LabeledLead) -> None:
        self.leads.append(item.lead)
        self.outcome.append(item.outcome)
        self.moment.append(_micros(item.as_of))

    def __len__(self) -> int:
        return len(self.leads)

    def __getitem__(self, index):  # noqa: ANN001, ANN204 (an int; a slice gives a list)
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return LabeledLead(self.leads[index], self.outcome[index], _moment(self.moment[index]))


class Subset(Sequence, Generic[T]):
    """The items of `items` at `indexes`, without copying them (a fold's leads)."""

    def __init__(self, items: Sequence[T], indexes: Sequence[int]) -> None:
        self.items, self.indexes = items, indexes

    def __len__(self) -> int:
        return len(self.indexes)

    def __getitem__(self, index):  # noqa: ANN001, ANN204 (an int; a slice gives a list)
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self.items[self.indexes[index]]

    def __iter__(self) -> Iterator[T]:
        items = self.items
        for i in self.indexes:
            yield items[i]


def as_of_leads(items: Sequence[LabeledLead], cutoff: datetime) -> tuple[Sequence[Lead], list[datetime]]:
    """Each lead as of its moment (else `cutoff`), and the moments. A compact history's leads
    are held as of their moments already: they are given as they are, a view, not a copy."""
    if isinstance(items, CompactHistory):
        return items.leads, [_moment(m) or cutoff for m in items.moment]
    from connector.backtest.asof import as_of, cutoff_of

    nows = [cutoff_of(item, cutoff) for item in items]
    return [as_of(item.lead, now)[0] for item, now in zip(items, nows)], nows


def ids_of(items: Sequence[LabeledLead]) -> list[str]:
    return items.leads.ids if isinstance(items, CompactHistory) else [item.lead.id for item in items]


def outcomes_of(items: Sequence[LabeledLead]) -> list[int]:
    return items.outcome.tolist() if isinstance(items, CompactHistory) else [item.outcome for item in items]
