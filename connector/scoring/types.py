"""CRM-neutral records the scoring core takes and returns.

Every CRM adapter maps its own objects to these; the core never sees a CRM type.
Timestamps are timezone-aware UTC datetimes (or None when the CRM gave none).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Event:
    """One engagement event, or `count` identical ones the CRM only keeps as a counter.

    `type` is one of the core's event types (see connector.scoring.events.EVENT_TYPES),
    `attributes` the event's details as text (a page `url`, a `form` name, a meeting `outcome`).
    """

    type: str
    timestamp: datetime | None
    attributes: Mapping[str, str] = field(default_factory=dict)
    count: int = 1


@dataclass(frozen=True, slots=True)
class Lead:
    """A contact or lead: its CRM id, its properties as the CRM holds them, its events.

    `stage` is the lifecycle stage the lead is at now in the CRM (None when unset);
    the core only ever moves it forward.
    """

    id: str
    properties: Mapping[str, str | None]
    events: tuple[Event, ...] = ()
    stage: str | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    """Why points were given: the rule, its points after caps and decay, a sentence for a rep."""

    rule: str
    score: str  # "fit" or "engagement"
    points: int
    text: str


@dataclass(frozen=True, slots=True)
class ScoreResult:
    lead_id: str
    fit: int
    engagement: int
    label: str
    grade: str
    stage: str | None  # the stage to write: never earlier than Lead.stage; None = leave as is
    reasons: tuple[Reason, ...]
    warnings: tuple[str, ...]
    model_name: str
    model_version: str
