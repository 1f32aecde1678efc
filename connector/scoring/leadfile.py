"""CRM-neutral leads from a JSON Lines file: one lead per line, read as a stream.

    {"id": "1001", "properties": {"jobtitle": "VP Sales", ...}, "stage": "lead",
     "events": [{"type": "page_view", "timestamp": "2026-11-18T09:30:00Z",
                 "attributes": {"url": "https://acme.io/pricing"}, "count": 1}]}

A line that is not such an object is a UserError naming the file, the line and the fix. Values
inside a lead are kept as they are (a bad timestamp becomes None, an odd property value stays),
so the scoring core can say in its warnings what it could not use, as it does for CRM data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from connector.errors import UserError
from connector.scoring.types import Event, Lead


def read_leads(path: str | Path) -> Iterator[Lead]:
    """Yield the leads of a .jsonl file in order; blank lines and `#` comments are skipped."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: no such leads file; fix: pass a .jsonl file with one lead per line.") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror}); fix: check the path and permissions.") from None
    with handle:
        number = 0
        try:
            for number, line in enumerate(handle, 1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                yield parse_lead_line(line, f"{path}:{number}")
        except UnicodeDecodeError:
            raise UserError(f"{path}:{number + 1}: not UTF-8 text; fix: save the file as UTF-8.") from None


def parse_lead_line(line: str, where: str) -> Lead:
    """One JSON line → Lead; `where` ("file:line") names it in errors."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UserError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno}); "
                        "fix: write one JSON object per line.") from None
    if not isinstance(data, dict):
        raise UserError(f"{where}: expected a JSON object with id, properties and events; "
                        f"got {type(data).__name__}; fix: write one lead object per line.")
    return lead_from_dict(data, where)


def lead_from_dict(data: dict, where: str) -> Lead:
    lead_id = data.get("id")
    if isinstance(lead_id, bool) or not isinstance(lead_id, (str, int)) or str(lead_id) == "":
        raise UserError(f"{where}: the lead has no id; fix: add \"id\": \"...\" (the CRM record id).")
    properties = data.get("properties") or {}
    if not isinstance(properties, dict):
        raise UserError(f"{where}: lead {lead_id}: \"properties\" must be an object; "
                        'fix: write "properties": {"jobtitle": "..."}.')
    events = data.get("events") or []
    if not isinstance(events, list):
        raise UserError(f"{where}: lead {lead_id}: \"events\" must be a list; fix: write \"events\": [{{...}}, ...].")
    parsed = []
    for i, event in enumerate(events, 1):
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            raise UserError(f"{where}: lead {lead_id}: event {i} needs a \"type\"; "
                            'fix: write {"type": "page_view", "timestamp": "2026-01-31T12:00:00Z"}.')
        parsed.append(_event(event))
    stage = data.get("stage")
    return Lead(str(lead_id), properties, tuple(parsed), stage if isinstance(stage, str) and stage else None)


def _event(event: dict) -> Event:
    attributes = event.get("attributes") or {}
    if not isinstance(attributes, dict):
        attributes = {}
    attributes = {str(k): str(v) for k, v in attributes.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}
    count = event.get("count", 1)
    if isinstance(count, str) and count.strip().isdigit():
        count = int(count)
    elif isinstance(count, float) and count.is_integer():
        count = int(count)
    return Event(event["type"], parse_timestamp(event.get("timestamp")), attributes, count)


def parse_timestamp(value: object) -> datetime | None:
    """An ISO 8601 text or epoch milliseconds (as HubSpot writes them) → aware UTC datetime;
    None when missing or unreadable (the core then reports the event as not counted)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
        try:
            return datetime.fromtimestamp(float(value) / 1000, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)
