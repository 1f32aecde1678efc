"""Salesforce records to the core's neutral leads and events, and leadscore's values back.

The mapping comes from settings (`MappingConfig.from_settings`): which Lead/Contact fields feed
which of the model's property names, and which Task/Event/CampaignMember kinds are which neutral
event types, so one scoring model file serves HubSpot and Salesforce alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from connector.crm.base import field_kind, score_field, score_fields
from connector.scoring.types import Event, Lead

LEAD_PREFIX = "00Q"  # Id key prefixes (docs/crm-api-facts.md, Salesforce: "route each activity by its WhoId prefix")
CONTACT_PREFIX = "003"
USER_PREFIX = "005"
ACCOUNT_PREFIX = "001"

# leadscore's own fields, by neutral name (connector.crm.base.SCORE_FIELDS); "stage" is a setting.
SCORE_FIELD_NAMES = {
    "fit": "Leadscore_Fit__c",
    "engagement": "Leadscore_Engagement__c",
    "label": "Leadscore_Label__c",
    "grade": "Leadscore_Grade__c",
    "reasons": "Leadscore_Reasons__c",
    "model": "Leadscore_Model__c",
    "scored_at": "Leadscore_Scored_At__c",
}
NUMBER_FIELDS = frozenset({"fit", "engagement", "probability"})


def custom_field(neutral: str) -> str:
    """The custom field holding a neutral field: `fit` → `Leadscore_Fit__c`, a keyed model's
    `enterprise_scored_at` → `Leadscore_Enterprise_Scored_At__c` (keys are short enough for
    the 40-character limit: connector.scoring.checker.KEY_MAX)."""
    return SCORE_FIELD_NAMES.get(neutral) or (
        "Leadscore_" + "_".join(word.capitalize() for word in neutral.split("_")) + "__c")


@dataclass(frozen=True)
class MappingConfig:
    lead_fields: Mapping[str, str]
    contact_fields: Mapping[str, str]
    event_map: Mapping[str, str]
    connected_dispositions: frozenset[str] = frozenset()
    reply_prefixes: tuple[str, ...] = ()
    stage_field: str = "Leadscore_Stage__c"
    stage_values: Mapping[str, str] = field(default_factory=dict)
    rating_enabled: bool = False
    rating_values: Mapping[str, str] = field(default_factory=dict)
    keys: tuple[str | None, ...] = (None,)  # the models' keys (connector.scoring.modelset)
    rating_key: str | None = None  # the key of the model that moves the stage sets Rating too
    calibrated: tuple[str | None, ...] = ()  # keys of the models with a [calibration]: they write a probability

    @classmethod
    def from_settings(cls, settings) -> MappingConfig:  # noqa: ANN001 (Settings)
        return cls(
            lead_fields=dict(settings.salesforce_lead_fields),
            contact_fields=dict(settings.salesforce_contact_fields),
            event_map={k.lower(): v for k, v in settings.salesforce_event_map.items()},
            connected_dispositions=frozenset(d.lower() for d in settings.salesforce_connected_dispositions),
            reply_prefixes=tuple(p.lower() for p in settings.salesforce_reply_prefixes),
            stage_field=settings.salesforce_stage_field,
            stage_values=dict(settings.salesforce_stage_values),
            rating_enabled=settings.salesforce_rating_enabled,
            rating_values=dict(settings.salesforce_rating_values),
        )

    def score_fields(self) -> dict[str, str]:
        """Neutral name -> API name of every field leadscore writes (Rating aside), for every
        model: `enterprise_fit` → `Leadscore_Enterprise_Fit__c`; a calibrated model's probability
        too (`Leadscore_Probability__c`)."""
        names = {neutral: custom_field(neutral) for neutral in score_fields(self.keys)}
        names.update({(p := score_field(key, "probability")): custom_field(p) for key in self.calibrated})
        return {**names, "stage": self.stage_field}

    def property_fields(self, sobject: str) -> Mapping[str, str]:
        return self.lead_fields if sobject == "Lead" else self.contact_fields

    def select_fields(self, sobject: str) -> list[str]:
        """The fields one SOQL query reads: the model's inputs and leadscore's current values."""
        names = ["Id", "SystemModstamp", "LastModifiedById", "OwnerId"]
        for name in [*self.property_fields(sobject).values(), *self.score_fields().values()]:
            if name not in names:
                names.append(name)
        return names

    def stage_to_crm(self, stage: str) -> str:
        return self.stage_values.get(stage, stage)

    def stage_from_crm(self, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        reverse = {v: k for k, v in self.stage_values.items()}
        return reverse.get(value, value)


def sobject_of(record_id: str) -> str:
    """Contact, Account or Lead, by the id's key prefix."""
    if record_id.startswith(CONTACT_PREFIX):
        return "Contact"
    return "Account" if record_id.startswith(ACCOUNT_PREFIX) else "Lead"


def field_value(record: Mapping, path: str) -> object:
    """`Title` or `Account.Industry` (a relationship, null when the Contact has no Account)."""
    value: object = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def as_text(value: object) -> str | None:
    """JSON values as the core's text: 250.0 -> "250", True -> "true", null -> None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_datetime(value: object) -> datetime | None:
    """Salesforce writes `2013-05-20T20:49:32.000+0000` for datetimes and `2024-01-31` for dates."""
    if not isinstance(value, str) or not value:
        return None
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)
    except ValueError:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return None


def format_datetime(moment: datetime) -> str:
    """The form Salesforce itself writes (and SOQL compares): milliseconds, `+0000`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def soql_datetime(moment: datetime) -> str:
    """A SOQL datetime literal: unquoted ISO 8601 with a zone."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class EventMapper:
    """Task, Event and CampaignMember rows to neutral events, by the mapping's keys
    (`Task:<TaskSubtype>`, `Event:<EventSubtype>`, `CampaignMember:<Status>`, case-insensitive)."""

    def __init__(self, config: MappingConfig, clock: Callable[[], datetime]) -> None:
        self._config = config
        self._clock = clock

    def _type(self, key: str) -> str | None:
        return self._config.event_map.get(key.lower())

    def task(self, row: Mapping) -> list[Event]:
        subtype = row.get("TaskSubtype") or "Task"
        kind = self._type(f"Task:{subtype}")
        if kind is None:
            return []
        subject = row.get("Subject") or ""
        disposition = row.get("CallDisposition") or ""
        if subtype == "Email" and subject.lower().startswith(self._config.reply_prefixes):
            kind = "email_reply"
        elif subtype == "Call" and disposition.lower() in self._config.connected_dispositions:
            kind = "call_connected"
        when = parse_datetime(row.get("ActivityDate")) or parse_datetime(row.get("CreatedDate"))
        attrs = {"subject": subject, "disposition": disposition, "status": row.get("Status") or ""}
        return [Event(kind, when, {k: v for k, v in attrs.items() if v})]

    def event(self, row: Mapping) -> list[Event]:
        """A meeting: booked when it was created; held once its start time has passed."""
        kind = self._type(f"Event:{row.get('EventSubtype') or 'Event'}")
        if kind is None:
            return []
        attrs = {"subject": row["Subject"]} if row.get("Subject") else {}
        events = [Event(kind, parse_datetime(row.get("CreatedDate")), attrs)]
        start = parse_datetime(row.get("StartDateTime"))
        if kind == "meeting_booked" and start is not None and start <= self._clock():
            events.append(Event("meeting_held", start, attrs))
        return events

    def campaign_member(self, row: Mapping) -> list[Event]:
        kind = self._type(f"CampaignMember:{row.get('Status') or ''}")
        if kind is None:
            return []
        when = parse_datetime(row.get("FirstRespondedDate")) or parse_datetime(row.get("CreatedDate"))
        campaign = as_text(field_value(row, "Campaign.Name"))
        return [Event(kind, when, {"campaign": campaign} if campaign else {})]


def to_lead(
    record: Mapping, config: MappingConfig, events: Iterable[Event]
) -> tuple[Lead, dict[str, str | None]]:
    """A Lead/Contact row as the core's Lead, and leadscore's values on it now (by neutral name)."""
    sobject = record.get("attributes", {}).get("type") or sobject_of(record["Id"])
    properties = {
        name: as_text(field_value(record, path))
        for name, path in config.property_fields(sobject).items()
    }
    written = {name: as_text(record.get(api)) for name, api in config.score_fields().items()}
    stage = config.stage_from_crm(written.pop("stage"))
    written["stage"] = stage
    ordered = tuple(sorted(events, key=lambda e: (e.timestamp is None, e.timestamp or datetime.min.replace(tzinfo=UTC), e.type)))
    return Lead(id=record["Id"], properties=properties, events=ordered, stage=stage), written


def owner_of(record: Mapping) -> str | None:
    """The user who owns a Lead/Contact (`OwnerId`), or None when a queue (a Group, `00G`) owns
    it: nobody to give a task to (docs/crm-api-facts.md, Salesforce › Objects leadscore reads)."""
    owner = record.get("OwnerId")
    return owner if isinstance(owner, str) and owner.startswith(USER_PREFIX) else None


def to_fields(values: Mapping[str, str], record_id: str, config: MappingConfig) -> dict[str, object]:
    """leadscore's changed values (neutral names, text) as the record's API fields and types."""
    names = config.score_fields()
    out: dict[str, object] = {}
    for neutral, value in values.items():
        if neutral not in names:
            continue
        kind = field_kind(neutral)
        if kind in NUMBER_FIELDS:
            out[names[neutral]] = int(value) if value.lstrip("-").isdigit() else float(value)
        elif kind == "stage":
            out[names[neutral]] = config.stage_to_crm(value)
        elif kind == "scored_at":
            moment = parse_datetime(value)
            out[names[neutral]] = format_datetime(moment) if moment else value
        else:
            out[names[neutral]] = value
    label = score_field(config.rating_key, "label")
    if config.rating_enabled and label in values and sobject_of(record_id) == "Lead":
        rating = config.rating_values.get(values[label])
        if rating:
            out["Rating"] = rating
    return out
