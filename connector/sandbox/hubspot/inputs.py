"""Reading request bodies and parameters the way HubSpot's API does: a value of the wrong JSON type
is refused with a 400 `VALIDATION_ERROR` naming where it is ("Invalid input JSON on line 1, ..."
in HubSpot's words; docs/crm-api-facts.md, HubSpot › Request validation), never a sandbox fault.

Object ids are positive 64-bit integers (HubSpot's `hs_object_id` is a Java long); an id outside
that range simply names no object.
"""

from __future__ import annotations

import json
import re
from typing import Any

from connector.sandbox.hubspot import errors

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"^[0-9]+$")
_WHOLE = re.compile(r"^-?[0-9]+$")


def invalid(where: str, expected: str, value: Any) -> errors.ApiError:
    """The 400 for a value of the wrong type at `where` (a dotted path into the body)."""
    shown = json.dumps(value, ensure_ascii=False)[:80] if _jsonable(value) else repr(value)[:80]
    return errors.validation(f"Invalid input JSON: {where} must be {expected}; got {shown}.")


def parse_json(raw: bytes) -> Any:
    """The request body as JSON; malformed JSON, NaN/Infinity and nesting too deep are a 400."""
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError, RecursionError) as exc:
        raise errors.validation(f"Invalid input JSON: {str(exc)[:200]}") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise invalid(where, "an object", value)
    return value


def objects(body: dict[str, Any], key: str, where: str = "") -> list[dict[str, Any]]:
    """`body[key]`: a list of objects (missing or null: empty)."""
    value = body.get(key)
    if value is None:
        return []
    path = f"{where}{key}"
    if not isinstance(value, list):
        raise invalid(path, "an array", value)
    return [obj(item, f"{path}[{i}]") for i, item in enumerate(value)]


def text(value: Any, where: str, *, allow_none: bool = True) -> str | None:
    """A string; numbers and booleans are read as text, as HubSpot's JSON reader coerces them."""
    if value is None:
        if allow_none:
            return None
        raise invalid(where, "a string", value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        raise invalid(where, "a string", value)
    return value


def texts(value: Any, where: str) -> list[str]:
    """A list of strings (missing or null: empty)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid(where, "an array of strings", value)
    return [text(v, f"{where}[{i}]", allow_none=False) or "" for i, v in enumerate(value)]


def whole(value: Any, where: str, default: int, *, low: int = 0, high: int = MAX_ID) -> int:
    """A whole number given as a JSON number or its digits, within [low, high]."""
    if value is None:
        return default
    if isinstance(value, bool):
        raise invalid(where, "a whole number", value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and _WHOLE.match(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int):
        raise invalid(where, "a whole number", value)
    if not low <= value <= high:
        raise errors.validation(f"{where} must be between {low} and {high}; got {value}.")
    return value


def object_id(value: Any) -> int | None:
    """An object id as HubSpot reads it in a path or an input: digits within a long, else None
    (an id that names no object)."""
    key = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not _DIGITS.match(key):
        return None
    number = int(key)
    return number if 0 < number <= MAX_ID else None


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True
