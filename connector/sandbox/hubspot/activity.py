"""New activity on a contact, as HubSpot records it: sales activity becomes an engagement object
associated with the contact; marketing activity moves the counters HubSpot keeps on the contact
(and page views / form submissions become web analytics events). Either way the contact's
roll-up properties change, so its `lastmodifieddate` moves, as in a real portal.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from connector.sandbox import seed as gen
from connector.sandbox.hubspot import seeding
from connector.sandbox.hubspot.store import Store
from connector.sandbox.hubspot.values import to_ms

# Test-facing kinds → the generator's neutral activity kinds.
KINDS = {
    "email": "sales_email_sent", "email_reply": "sales_email_reply", "meeting": "meeting", "call": "call",
    "note": "note", "page_view": "page_view", "form_submission": "form_submission",
    "marketing_email_open": "marketing_email_open", "marketing_email_click": "marketing_email_click",
    "marketing_email_delivered": "marketing_email_delivered", "unsubscribe": "unsubscribe",
}
DEFAULTS = {
    "sales_email_sent": {"subject": "Following up"}, "sales_email_reply": {"subject": "Re: Following up"},
    "meeting": {"title": "Demo", "outcome": "completed"},
    "call": {"direction": "outbound", "disposition": "connected", "duration_seconds": "600"},
    "note": {"body": "Talked at the booth."},
    "page_view": {"url": "https://www.example-saas.com/pricing", "title": "Pricing"},
    "form_submission": {"form": "Request a demo", "url": "https://www.example-saas.com/forms"},
    "marketing_email_open": {"campaign": "Product launch"}, "marketing_email_click": {"campaign": "Product launch",
                                                                                      "url": "https://www.example-saas.com/pricing"},
    "marketing_email_delivered": {"campaign": "Product launch"}, "unsubscribe": {"campaign": "Product launch"},
}
_COUNTERS = {
    "page_view": ("hs_analytics_num_page_views",), "form_submission": ("num_conversion_events",),
    "marketing_email_delivered": ("hs_email_delivered",), "marketing_email_open": ("hs_email_open",),
    "marketing_email_click": ("hs_email_click",),
    "sales_email_sent": ("num_contacted_notes",), "call": ("num_contacted_notes",), "meeting": ("num_contacted_notes",),
}
_DATES = {
    "page_view": ("hs_analytics_last_visit_timestamp",), "form_submission": ("recent_conversion_date",),
    "marketing_email_open": ("hs_email_last_open_date",), "marketing_email_click": ("hs_email_last_click_date",),
    "sales_email_sent": ("notes_last_contacted", "hs_last_sales_activity_timestamp"),
    "call": ("notes_last_contacted", "hs_last_sales_activity_timestamp"),
    "meeting": ("notes_last_contacted", "hs_last_sales_activity_timestamp"),
    "sales_email_reply": ("hs_sales_email_last_replied", "hs_last_sales_activity_timestamp"),
    "note": ("hs_last_sales_activity_timestamp",),
}


def add_activity(store: Store, contact_id: int, kind: str, at: datetime | None, attributes: dict[str, str],
                 extra: dict[str, Any] | None = None) -> str | None:
    """Record one activity; returns the engagement object's id for sales activity, else None."""
    neutral = KINDS.get(kind, kind)
    if neutral not in DEFAULTS:
        raise ValueError(f"unknown activity kind {kind!r}; use one of {', '.join(KINDS)}")
    when = at or store.clock()
    activity = gen.Activity(neutral, when, {**DEFAULTS[neutral], **attributes})
    now = store.now_ms()
    with store.tx() as db:
        if not store.exists("contacts", [contact_id]):
            raise KeyError(f"no contact {contact_id}")
        engagement_id = None
        eng = seeding.engagement(activity)
        if eng is not None:
            object_type, values = eng
            values.update(extra or {})
            engagement_id = store.insert_object(db, object_type, store.next_engagement_id(db), values, now)
            db.execute("INSERT INTO associations VALUES (?, ?, ?)", (contact_id, object_type, engagement_id))
        event = seeding.web_event(activity)
        if event is not None:
            db.execute("INSERT INTO web_events(contact_id, event_type, occurred, properties) VALUES (?, ?, ?, ?)",
                       (contact_id, event[0], to_ms(when), json.dumps(event[1], ensure_ascii=False)))
        store.apply(db, "contacts", contact_id, _rollups(store, db, contact_id, activity), "CRM_UI", now)
    return None if engagement_id is None else str(engagement_id)


def _rollups(store: Store, db: Any, contact_id: int, activity: gen.Activity) -> dict[str, Any]:
    names = [*_COUNTERS.get(activity.kind, ()), *_DATES.get(activity.kind, ())]
    extra = {"page_view": ["hs_analytics_num_visits"], "form_submission": ["recent_conversion_event_name"],
             "unsubscribe": ["hs_email_optout"]}.get(activity.kind, [])
    cur = store.current(db, "contacts", contact_id, [*names, *extra])
    at = to_ms(activity.at)
    out: dict[str, Any] = {}
    for name in _COUNTERS.get(activity.kind, ()):
        out[name] = (cur[name] or 0) + 1
    for name in _DATES.get(activity.kind, ()):
        out[name] = max(cur[name] or 0, at)
    if activity.kind == "page_view":
        last = cur.get("hs_analytics_last_visit_timestamp") or 0
        out["hs_analytics_num_visits"] = (cur["hs_analytics_num_visits"] or 0) + (at - last > 30 * 60_000)
    if activity.kind == "form_submission":
        out["recent_conversion_event_name"] = activity.attributes["form"]
    if activity.kind == "unsubscribe":
        out["hs_email_optout"] = "true"
    return out
