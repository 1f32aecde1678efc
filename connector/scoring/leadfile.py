"""CRM-neutral leads from a JSON Lines file: one lead per line, read as a stream.

    {"id": "1001", "properties": {"jobtitle": "VP Sales", ...}, "stage": "lead",
     "events": [{"type": "page_view", "timestamp": "2026-11-18T09:30:00Z",
                 "attributes": {"url": "https://acme.io/pricing"}, "count": 1}]}

A line that is not such an object is a UserError naming the file, the line and the fix; so is
a line that is not UTF-8, holds a lone UTF-16 surrogate ("\\ud800", which is no character), or
nests deeper than JSON parsing can follow. Values inside a lead are kept as they are (a bad
timestamp becomes None, an odd property value stays), so the scoring core can say in its
warnings what it could not use, as it does for CRM data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from connector.errors import UserError
from connector.scoring.types import Event, Lead

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def read_leads(path: str | Path) -> Iterator[Lead]:
    """Yield the leads of a .jsonl file in order; blank lines and `#` comments are skipped."""
    path = Path(path)
    try:
        handle = path.open("rb")  # decoded line by line, so a bad byte is reported on its own line
    except FileNotFoundError:
        raise UserError(f"{path}: no such leads file; fix: pass a .jsonl file with one lead per line.") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror}); fix: check the path and permissions.") from None
    with handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = raw.decode("utf-8").strip()
            except UnicodeDecodeError as exc:
                raise UserError(f"{path}:{number}: not UTF-8 text (byte {raw[exc.start]:#04x} at column "
                                f"{exc.start + 1}); fix: save the file as UTF-8.") from None
            if number == 1:
                line = line.removeprefix("\ufeff")  # a byte order mark some editors write
            if not line or line.startswith("#"):
                continue
            yield parse_lead_line(line, f"{path}:{number}")


def parse_lead_line(line: str, where: str) -> Lead:
    """One JSON line → Lead; `where` ("file:line") names it in errors."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UserError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno}); "
                        "fix: write one JSON object per line.") from None
    except RecursionError:
        raise UserError(f"{where}: the JSON is nested too deeply to read; "
                        "fix: write the lead as one flat object (properties and events one level deep).") from None
    except ValueError as exc:  # e.g. a number with more digits than Python reads
        raise UserError(f"{where}: not valid JSON ({exc}); fix: write one JSON object per line.") from None
    if _SURROGATE_ESCAPE.search(line) and _has_lone_surrogate(data):
        raise UserError(f"{where}: holds a lone UTF-16 surrogate escape (such as \\ud800), which is no "
                        "character; fix: export the file again, or remove the broken escape.")
    if not isinstance(data, dict):
        raise UserError(f"{where}: expected a JSON object with id, properties and events; "
                        f"got {type(data).__name__}; fix: write one lead object per line.")
    return lead_from_dict(data, where)


def _has_lone_surrogate(value: object) -> bool:
    """Whether any text in parsed JSON holds a surrogate code point (a valid pair is joined by
    the parser, so one left over is broken)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if any("\ud800" <= char <= "\udfff" for char in item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


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
