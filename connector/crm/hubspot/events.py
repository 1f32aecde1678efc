"""HubSpot activity → the core's neutral events.

Two sources (docs/crm-api-facts.md, "Engagement history"): engagement objects (emails, meetings,
calls, notes), read through the v4 associations of a page of contacts; and the marketing
activity HubSpot keeps as counters on the contact itself (page views, visits, form
submissions, marketing email opens and clicks, opt-out), which cost no extra call. A counter
becomes one event with `count`, dated by the matching "last ..." date property.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone

from connector.scoring.types import Event

ENGAGEMENT_TYPES = ("emails", "meetings", "calls", "notes")
ENGAGEMENT_PROPERTIES = {
    "emails": ("hs_timestamp", "hs_email_direction", "hs_email_status", "hs_email_subject"),
    "meetings": ("hs_timestamp", "hs_meeting_outcome", "hs_meeting_start_time", "hs_meeting_title"),
    "calls": ("hs_timestamp", "hs_call_direction", "hs_call_status", "hs_call_disposition"),
    "notes": ("hs_timestamp",),
}
COUNTER_PROPERTIES = (
    "createdate",
    "hs_analytics_num_page_views", "hs_analytics_num_visits", "hs_analytics_last_visit_timestamp",
    "num_conversion_events", "recent_conversion_event_name", "recent_conversion_date",
    "first_conversion_event_name", "first_conversion_date",
    "hs_email_delivered", "hs_email_open", "hs_email_click", "hs_email_bounce",
    "hs_email_last_open_date", "hs_email_last_click_date", "hs_email_optout",
)
# HubSpot's default call outcome GUIDs (docs/crm-api-facts.md, Calls: hs_call_disposition).
CALL_OUTCOMES = {
    "f240bbac-87c9-4f6e-bf70-924b57d47db7": "connected",
    "9d9162e7-6cf3-4944-bf63-4dff82258764": "busy",
    "a4c4c377-d246-4b32-a13b-75a56a4cd0ff": "left_live_message",
    "b2cf5968-551e-4856-9783-52b3da59a7d0": "left_voicemail",
    "73a0d17f-1163-4015-bdd5-ec830791da20": "no_answer",
    "17b47fee-58de-441e-a44c-c6300d46f273": "wrong_number",
}
MEETING_EVENTS = {
    "SCHEDULED": ("meeting_booked",),
    "RESCHEDULED": ("meeting_booked",),
    "COMPLETED": ("meeting_booked", "meeting_held"),
    "NO_SHOW": ("meeting_booked", "meeting_no_show"),
    "CANCELED": ("meeting_canceled",),
}


def parse_time(value: str | None) -> datetime | None:
    """HubSpot dates: ISO 8601 ("2024-01-31T12:34:56.789Z") or epoch milliseconds as text."""
    if not value:
        return None
    text = value.strip()
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, tz=timezone.utc)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _count(value: str | None) -> int:
    try:
        return max(0, int(float(value))) if value else 0
    except ValueError:
        return 0


def counter_events(props: Mapping[str, str | None]) -> list[Event]:
    """The contact's marketing counters as events (one per kind, `count` of them)."""
    events: list[Event] = []
    last_visit = parse_time(props.get("hs_analytics_last_visit_timestamp"))

    def add(kind: str, count: int, when: datetime | None, **attrs: str) -> None:
        if count > 0:
            events.append(Event(kind, when, {k: v for k, v in attrs.items() if v}, count))

    add("page_view", _count(props.get("hs_analytics_num_page_views")), last_visit)
    add("visit", _count(props.get("hs_analytics_num_visits")), last_visit)
    forms = _count(props.get("num_conversion_events"))
    add("form_submission", min(forms, 1), parse_time(props.get("recent_conversion_date")),
        form=props.get("recent_conversion_event_name") or "")
    first = parse_time(props.get("first_conversion_date"))
    add("form_submission", min(forms - 1, 1), first, form=props.get("first_conversion_event_name") or "")
    # Submissions between the first and the most recent: only their number is kept; dated as
    # the first (the oldest date they can have, so decay never overrates them).
    add("form_submission", forms - 2, first)
    # HubSpot keeps no date for these counters: date them by the latest email activity it does
    # date, else by the contact's creation, the earliest they can be (so decay never overrates).
    opened = parse_time(props.get("hs_email_last_open_date"))
    clicked = parse_time(props.get("hs_email_last_click_date"))
    created = parse_time(props.get("createdate"))
    dated = [d for d in (opened, clicked) if d is not None]
    add("email_delivered", _count(props.get("hs_email_delivered")), max(dated) if dated else created)
    add("email_open", _count(props.get("hs_email_open")), opened)
    add("email_click", _count(props.get("hs_email_click")), clicked)
    add("email_bounce", _count(props.get("hs_email_bounce")), created)
    if (props.get("hs_email_optout") or "").lower() == "true":
        add("unsubscribe", 1, created)
    return events


def engagement_events(kind: str, props: Mapping[str, str | None]) -> list[Event]:
    """One engagement object (its properties) as zero or more neutral events."""
    when = parse_time(props.get("hs_timestamp"))
    if kind == "emails":
        status = (props.get("hs_email_status") or "").upper()
        direction = (props.get("hs_email_direction") or "").upper()
        subject = {"subject": props.get("hs_email_subject") or ""}
        if status in ("BOUNCED", "FAILED"):
            return [Event("email_bounce", when, _clean(subject))]
        if direction == "INCOMING_EMAIL":
            return [Event("email_reply", when, _clean(subject))]
        if direction == "EMAIL":
            return [Event("email_delivered", when, _clean({**subject, "channel": "sales"}))]
        return []
    if kind == "meetings":
        outcome = (props.get("hs_meeting_outcome") or "SCHEDULED").upper()
        when = parse_time(props.get("hs_meeting_start_time")) or when
        attrs = _clean({"outcome": outcome.lower(), "subject": props.get("hs_meeting_title") or ""})
        return [Event(name, when, attrs) for name in MEETING_EVENTS.get(outcome, ())]
    if kind == "calls":
        raw = props.get("hs_call_disposition") or ""
        disposition = CALL_OUTCOMES.get(raw, raw)
        attrs = _clean({
            "direction": (props.get("hs_call_direction") or "").lower(),
            "disposition": disposition,
            "outcome": (props.get("hs_call_status") or "").lower(),
        })
        events = [Event("call", when, attrs)]
        if disposition == "connected":
            events.append(Event("call_connected", when, attrs))
        return events
    if kind == "notes":
        return [Event("note", when)]
    return []


def _clean(attrs: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in attrs.items() if v}


# Web analytics events (events API; docs/crm-api-facts.md "Per-event web analytics": Marketing Hub
# Enterprise, unconfirmed): event type → neutral event and the properties to keep.
WEB_EVENTS = {
    "e_visited_page": ("page_view", {"hs_url": "url", "hs_page_title": "title"}),
    "e_submitted_form": ("form_submission", {"hs_form_title": "form", "hs_url": "url"}),
}


def web_event(item: Mapping) -> Event | None:
    """One events-API result as a neutral event (None for event types leadscore does not use)."""
    known = WEB_EVENTS.get(str(item.get("eventType") or ""))
    if known is None:
        return None
    kind, keep = known
    props = item.get("properties") or {}
    attrs = {neutral: str(props[name]) for name, neutral in keep.items() if props.get(name)}
    return Event(kind, parse_time(item.get("occurredAt")), attrs)
