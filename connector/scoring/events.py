"""The CRM-neutral event types the core scores, and the attributes events commonly carry.

Each CRM adapter maps its own activity records onto these names (a HubSpot meeting with
`hs_meeting_outcome` NO_SHOW becomes `meeting_no_show`, a Salesforce Task of subtype Call a
`call`...). Attributes are text; rules may test any attribute, these are the usual ones.
"""

from __future__ import annotations

EVENT_DESCRIPTIONS: dict[str, str] = {
    "page_view": "a web page viewed (attribute url)",
    "visit": "a website session",
    "form_submission": "a form submitted (attributes form, url)",
    "email_delivered": "a marketing or sales email delivered (attributes campaign, subject)",
    "email_open": "an email opened (attributes campaign, subject)",
    "email_click": "a link in an email clicked (attributes campaign, url)",
    "email_reply": "a reply to an email received",
    "email_bounce": "an email bounced",
    "unsubscribe": "unsubscribed from email",
    "meeting_booked": "a meeting booked (attribute outcome)",
    "meeting_held": "a meeting took place",
    "meeting_no_show": "the lead did not show up to a meeting",
    "meeting_canceled": "a meeting was canceled",
    "call": "a call logged (attributes disposition, direction)",
    "call_connected": "a call that reached the lead",
    "note": "a note logged by a rep",
    "webinar_registered": "registered for a webinar (attribute campaign)",
    "webinar_attended": "attended a webinar (attribute campaign)",
    "content_download": "downloaded content such as an ebook (attributes asset, url)",
    "chat": "a chat conversation",
}

EVENT_TYPES: tuple[str, ...] = tuple(EVENT_DESCRIPTIONS)

# Events a CRM dates by when they are scheduled rather than when they happened (a booked
# meeting's start time): a future date is normal for them and counts as of now without a warning.
SCHEDULED_EVENTS = frozenset({"meeting_booked", "webinar_registered"})

COMMON_ATTRIBUTES: tuple[str, ...] = (
    "url",
    "form",
    "outcome",
    "disposition",
    "direction",
    "campaign",
    "subject",
    "asset",
    "source",
)
