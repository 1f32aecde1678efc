"""The events v3 API, for per-event web analytics detail (docs/crm-api-facts.md, HubSpot ›
Per-event web analytics): `GET /events/v3/events/` filtered by object, event type and time, newest
first unless `sort=occurredAt`, paged with an opaque `after` cursor.
"""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from connector.sandbox.hubspot import errors
from connector.sandbox.hubspot.associations import object_type
from connector.sandbox.hubspot.store import Store
from connector.sandbox.hubspot.values import iso, parse_time

EVENTS_LIMIT = 100
EVENTS_MAX_LIMIT = 1000  # unconfirmed maximum page size of the events API


def list_events(store: Store, query: dict[str, list[str]], base_url: str) -> dict[str, Any]:
    def one(name: str) -> str | None:
        return (query.get(name) or [None])[0]

    kind = one("objectType")
    if kind is not None and object_type(kind) != "contacts":
        return {"results": []}
    object_id = one("objectId")
    if object_id is not None and not object_id.isdigit():
        raise errors.validation(f"objectId must be a number; got {object_id!r}.")
    raw_limit = one("limit") or str(EVENTS_LIMIT)
    if not raw_limit.isdigit():
        raise errors.validation(f"limit must be a whole number; got {raw_limit!r}.")
    limit = int(raw_limit)
    if not 0 < limit <= EVENTS_MAX_LIMIT:
        raise errors.validation(f"limit must be between 1 and {EVENTS_MAX_LIMIT}; got {limit}.")
    descending = _descending(one("sort"))
    cursor = _decode_cursor(one("after"))
    occurred_after, occurred_before = _time(one("occurredAfter")), _time(one("occurredBefore"))
    rows = store.web_events(int(object_id) if object_id else None, one("eventType"), cursor, limit, descending,
                            occurred_after, occurred_before)
    results = [{"objectType": "CONTACT", "objectId": str(contact), "eventType": etype, "occurredAt": iso(at),
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"leadscore-sandbox-event-{event_id}")),
                "properties": json.loads(props)}
               for event_id, contact, etype, at, props in rows[:limit]]
    out: dict[str, Any] = {"results": results}
    if len(rows) > limit:
        last = rows[limit - 1]
        token = _encode_cursor(last[3], last[0])
        params = "&".join(f"{k}={v[0]}" for k, v in query.items() if k != "after")
        out["paging"] = {"next": {"after": token, "link": f"{base_url}/events/v3/events/?{params}&after={token}"}}
    return out


def _descending(sort: str | None) -> bool:
    """`sort=occurredAt` is oldest first, `sort=-occurredAt` newest first; with no sort, newest
    first (docs/crm-api-facts.md, HubSpot › Per-event web analytics)."""
    if not sort:
        return True
    field = sort.lstrip("-")
    if field not in ("occurredAt", "timestamp"):
        raise errors.validation(f"Cannot sort events by {field!r}; use occurredAt or -occurredAt.")
    return sort.startswith("-")


def _time(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return parse_time(value)
    except ValueError:
        raise errors.validation(f"{value!r} is not a datetime.") from None


def _encode_cursor(occurred: int, event_id: int) -> str:
    return base64.urlsafe_b64encode(f"{occurred}:{event_id}".encode()).decode().rstrip("=")


def _decode_cursor(token: str | None) -> tuple[int, int] | None:
    if not token:
        return None
    try:
        occurred, event_id = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode().split(":")
        return int(occurred), int(event_id)
    except (ValueError, UnicodeDecodeError):
        raise errors.validation(f"Invalid paging cursor after={token!r}.") from None
