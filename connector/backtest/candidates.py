"""Candidate rules the fit learns points for, derived from the leads themselves.

Each property becomes a *group* of exclusive cases, exactly one of which holds for every lead:
- a text property: missing, one case per frequent value, or "any other value";
- a number: missing, or one of the bins between its quantile edges (a value that is not a number
  falls in the lowest bin, as the scoring core's `gte` rules do not fire on it).
Each event type becomes capped counts (`min(count, k)` for a few caps k), within recency windows
when the events are dated. A group's points are written as rules the scoring core evaluates the
same way (see `connector.backtest.writer`), which the tests check lead by lead.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from connector.scoring.types import Lead
from connector.scoring.values import as_number, as_text

MIN_SUPPORT = 30  # a value needs this many leads (or 0.5% of them) to get a rule of its own
NUMERIC_SHARE = 0.9  # a property is a number when this share of its values parse as one
WINDOWS = (7, 30, 90)  # recency windows (days) for dated events, besides all time


def _number(value: object) -> float | None:
    text = as_text(value)
    return None if text is None else as_number(text)


@dataclass(frozen=True, slots=True)
class TextGroup:
    property: str
    levels: tuple[str, ...]  # as written in the data (the most common spelling)

    @property
    def cases(self) -> tuple[str, ...]:
        return ("missing", "other", *self.levels)

    def case_of(self, lead: Lead, now: datetime) -> int:
        text = as_text(lead.properties.get(self.property))
        if text is None:
            return 0
        key = text.lower()
        for i, level in enumerate(self.levels):
            if key == level.lower():
                return 2 + i
        return 1


@dataclass(frozen=True, slots=True)
class NumberGroup:
    """Bins between ascending `edges`. The first `closed` edges close their bin from above (a
    value equal to the edge falls below it: `lte` rules), the others open a bin (a value equal
    to the edge falls in it: `gte` rules). Bin `closed` is the anchor the rules count from, where a
    value that is not a number falls too (no number rule fires on it); see `anchored`."""

    property: str
    edges: tuple[float, ...]
    closed: int = 0

    @property
    def cases(self) -> tuple[str, ...]:
        bins = [f"<= {show_number(e)}" for e in self.edges[: self.closed]]
        first = self.edges[self.closed - 1] if self.closed else None
        anchor_top = self.edges[self.closed] if self.closed < len(self.edges) else None
        anchor = " and ".join(filter(None, (f"> {show_number(first)}" if first is not None else None,
                                           f"< {show_number(anchor_top)}" if anchor_top is not None else None)))
        bins.append(anchor or "any number")
        bins += [f">= {show_number(e)}" for e in self.edges[self.closed :]]
        return ("missing", *bins)

    def case_of(self, lead: Lead, now: datetime) -> int:
        text = as_text(lead.properties.get(self.property))
        if text is None:
            return 0
        number = as_number(text)
        if number is None:
            return 1 + self.closed
        below = sum(1 for e in self.edges[: self.closed] if number > e)
        return 1 + below + sum(1 for e in self.edges[self.closed :] if number >= e)

    def anchored(self, anchor: int, numbers: Sequence[float]) -> NumberGroup:
        """The same bins counted from bin `anchor` (0 = the lowest): each edge below it becomes
        the highest of `numbers` under it, closing its bin from above, so that every one of
        `numbers` stays in its bin."""
        values = np.asarray(sorted(numbers), dtype=float)
        lows = tuple(float(values[values < e].max()) for e in self.edges[:anchor])
        return NumberGroup(self.property, lows + self.edges[anchor:], anchor)


def show_number(number: float) -> str:
    """A bin edge as a person writes it: 57, not 57.0."""
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


@dataclass(frozen=True, slots=True)
class EventCount:
    event: str
    cap: int  # the feature is min(count, cap)
    window_days: int | None  # only events in the last N days (None: all)

    def value(self, lead: Lead, now: datetime) -> int:
        since = None if self.window_days is None else now - timedelta(days=self.window_days)
        count = 0
        for e in lead.events:
            if e.type != self.event:
                continue
            stamp = e.timestamp or now
            if stamp <= now and (since is None or stamp >= since):
                count += e.count
        return min(count, self.cap)

    @property
    def id(self) -> str:
        window = "" if self.window_days is None else f"_{self.window_days}d"
        return f"{self.event}{window}_first_{self.cap}"


Group = TextGroup | NumberGroup


@dataclass(frozen=True, slots=True)
class Candidates:
    groups: tuple[Group, ...]
    counts: tuple[EventCount, ...]

    @property
    def width(self) -> int:
        return sum(len(g.cases) for g in self.groups) + len(self.counts)

    def matrix(self, leads: Sequence[Lead], nows: Sequence[datetime]) -> np.ndarray:
        """One row per lead: the one-hot case of every group, then the capped event counts."""
        x = np.zeros((len(leads), self.width))
        for row, (lead, now) in enumerate(zip(leads, nows, strict=True)):
            column = 0
            for group in self.groups:
                x[row, column + group.case_of(lead, now)] = 1.0
                column += len(group.cases)
            for offset, count in enumerate(self.counts):
                x[row, column + offset] = count.value(lead, now)
        return x


def derive(leads: Sequence[Lead], nows: Sequence[datetime]) -> Candidates:
    """The candidate groups and counts for these leads (from their values only, not outcomes).
    The leads are read in one pass (a compact history builds each lead again on every pass)."""
    values: dict[str, list[str | None]] = {}
    counts: dict[tuple[str, int | None], list[int]] = {}
    kinds: set[str] = set()
    dated: set[str] = set()
    for row, (lead, now) in enumerate(zip(leads, nows)):
        for name, value in lead.properties.items():
            values.setdefault(name, [None] * row).append(value)
        for column in values.values():
            if len(column) == row:
                column.append(None)
        for kind, by_window in _event_counts(lead, now, kinds, dated).items():
            for window, count in by_window.items():
                if count > 0:
                    counts.setdefault((kind, window), []).append(min(count, 10**9))
    names = sorted(values)
    groups = [g for g in (_group(name, values[name]) for name in names) if g]
    return Candidates(tuple(groups), tuple(_counts(len(nows), sorted(kinds), dated, counts)))


def _event_counts(lead: Lead, now: datetime, kinds: set[str], dated: set[str]) -> dict[str, dict[int | None, int]]:
    """The lead's positive event counts by type and recency window (as `EventCount.value` counts
    them, uncapped); the types seen go to `kinds`, those dated other than at the cutoff to `dated`
    (undated events were dated at the cutoff: connector.backtest.asof)."""
    out: dict[str, dict[int | None, int]] = {}
    for e in lead.events:
        kinds.add(e.type)
        if e.timestamp not in (None, now):
            dated.add(e.type)
        stamp = e.timestamp or now
        if stamp > now:
            continue
        by_window = out.setdefault(e.type, {})
        for window in (*WINDOWS, None):
            if window is None or stamp >= now - timedelta(days=window):
                by_window[window] = by_window.get(window, 0) + e.count
    return out


def _group(name: str, values: list[str | None]) -> Group | None:
    # Read values as the scoring core reads them (placeholders such as "n/a" are missing; text
    # compares without case), so that the written rules fire exactly where the fit's cases do.
    present = [t for t in (as_text(v) for v in values) if t is not None]
    if not present:
        return None
    support = max(MIN_SUPPORT, math.ceil(0.005 * len(values)))
    numbers = [n for n in (_number(v) for v in present) if n is not None]
    distinct = len(set(numbers))
    if len(numbers) >= NUMERIC_SHARE * len(present) and distinct >= 10:
        return _number_group(name, np.array(numbers), support)
    spelled = Counter(present)
    by_key: Counter[str] = Counter()
    spelling: dict[str, str] = {}
    for text, n in spelled.most_common():
        by_key[text.lower()] += n
        spelling.setdefault(text.lower(), text)
    levels = tuple(spelling[k] for k, n in sorted(by_key.items(), key=lambda kv: (-kv[1], kv[0])) if n >= support)
    if not levels or (len(levels) == 1 and by_key[levels[0].lower()] == len(present) and len(present) == len(values)):
        return None  # one value for every lead: nothing to learn
    if len(by_key) > 200 and len(levels) < 2:
        return None  # free text or an identifier
    return TextGroup(name, levels)


def _number_group(name: str, numbers: np.ndarray, support: int) -> NumberGroup | None:
    lowest = numbers.min()
    edges = set(np.quantile(numbers, np.linspace(0.1, 0.9, 9), method="lower").tolist())
    above = numbers[numbers > lowest]
    if len(above) and (numbers == lowest).sum() >= support:
        edges.add(float(above.min()))  # "none at all" apart from "a little"
    kept = []
    for edge in sorted(e for e in edges if e > lowest):
        below = (numbers < edge).sum()
        previous = kept[-1] if kept else -math.inf
        if below - (numbers < previous).sum() >= support and (numbers >= edge).sum() >= support:
            kept.append(edge)
    return NumberGroup(name, tuple(kept)) if kept else None


def _counts(n: int, kinds: Sequence[str], dated: set[str], counts: Mapping[tuple[str, int | None], list[int]]
            ) -> list[EventCount]:
    support = max(MIN_SUPPORT, math.ceil(0.005 * n))
    out: list[EventCount] = []
    for kind in kinds:
        for window in (*WINDOWS, None) if kind in dated else (None,):
            positive = np.array(counts.get((kind, window), []))
            if len(positive) < support:
                continue
            caps = {1} | {int(q) for q in np.quantile(positive, (0.25, 0.5, 0.75, 0.9), method="lower")}
            out.extend(EventCount(kind, cap, window) for cap in sorted(caps) if (positive >= cap).sum() >= support)
    return out
