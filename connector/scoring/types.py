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
    """Why points were given: the rule, its points after caps and decay, a sentence for a rep.

    `bound` marks the line a score's bounds add ("-34 engagement score held at its maximum of
    100"): it is listed after the rules' reasons and is not one of them, so a list of the
    strongest reasons leaves it out. A score is the sum of its reasons' points, bound included.
    """

    rule: str
    score: str  # "fit" or "engagement"
    points: int
    text: str
    bound: bool = False


class DataWarning(str):
    """What the scorer could not use in a lead's data, as text a person reads, with its `kind`
    so a caller can count warnings by kind (see WARNING_KINDS).

    A str, so it prints, compares and serializes as its message.
    """

    kind: str

    def __new__(cls, kind: str, message: str) -> DataWarning:
        warning = super().__new__(cls, message)
        warning.kind = kind
        return warning

    def __reduce__(self) -> tuple[type[DataWarning], tuple[str, str]]:
        return DataWarning, (self.kind, str(self))


WARNING_KINDS: dict[str, str] = {
    "unreadable_value": "a property value that is set but was read as empty (a placeholder, a list, a non-finite number)",
    "not_a_number": "a property a numeric rule compares that is not a number (numemployees = \"lots\")",
    "no_timestamp": "events without a usable date (a meeting whose dates were cleared), not counted",
    "future_event": "events dated in the future, counted as of now",
    "bad_count": "events whose count is below 1 or not a whole number, not counted",
    "huge_count": "events whose count is implausibly large, not counted",
    "unknown_event": "events of a type the core does not know, not counted",
    "unknown_stage": "a lifecycle stage the model's stages do not list, left as is",
}


@dataclass(frozen=True, slots=True)
class Probability:
    """The model's calibrated chance that a lead scored like this one converts: `percent` of
    the leads with this score converted within `horizon_days` (the model's [calibration])."""

    percent: float
    horizon_days: int
    outcome: str  # "became customers"

    @property
    def sentence(self) -> str:
        """The plain line the reasons end with; it carries no points."""
        shown = "under 1%" if 0 < self.percent < 0.5 else f"{self.percent:.0f}%"
        return f"of leads scored like this, {shown} {self.outcome} within {self.horizon_days} days"


@dataclass(frozen=True, slots=True)
class ScoreResult:
    lead_id: str
    fit: int
    engagement: int
    label: str
    grade: str
    stage: str | None  # the stage to write: never earlier than Lead.stage; None = leave as is
    reasons: tuple[Reason, ...]  # the rules' reasons in file order, then any bound lines
    warnings: tuple[DataWarning, ...]  # what in the lead's data could not be used
    model_name: str
    model_version: str
    probability: Probability | None = None  # with the model's [calibration] only


@dataclass(frozen=True, slots=True)
class Account:
    """A company (HubSpot) or account (Salesforce): its CRM id, name and properties."""

    id: str
    name: str
    properties: Mapping[str, str | None]


@dataclass(frozen=True, slots=True)
class Contribution:
    """One of an account's contacts as it counts towards the account's engagement: its id, a
    name a rep recognises, and its engagement score."""

    contact_id: str
    name: str
    engagement: int
