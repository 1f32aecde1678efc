"""Score a lead as of a cutoff, so that its outcome cannot leak into its own prediction.

Only events at or before the cutoff count. An export's totals (a column of counts, events without
a date) were true when the file was exported; they are taken as of the cutoff and said so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from connector.backtest.loader import LabeledLead
from connector.scoring.types import Event, Lead


def default_cutoff(items: Iterable[LabeledLead], fallback: datetime) -> datetime:
    """The latest event time in the history (the export's "now"), or `fallback` if none is dated."""
    stamps = [e.timestamp for item in items for e in item.lead.events if e.timestamp is not None]
    return max(stamps, default=fallback)


def as_of(lead: Lead, cutoff: datetime) -> tuple[Lead, int, int]:
    """The lead with only the events up to `cutoff` (undated ones dated at it).

    Returns the lead, how many events were dropped as later than the cutoff, and how many undated
    events were dated at the cutoff.
    """
    kept: list[Event] = []
    dropped = undated = 0
    for event in lead.events:
        if event.timestamp is None:
            undated += event.count
            kept.append(replace(event, timestamp=cutoff))
        elif event.timestamp <= cutoff:
            kept.append(event)
        else:
            dropped += event.count
    return replace(lead, events=tuple(kept)), dropped, undated


def cutoff_of(item: LabeledLead, default: datetime) -> datetime:
    return item.as_of or default
