"""Property values between the wire (always strings, as HubSpot sends them) and SQLite columns.

Numbers are stored as numbers and datetimes as epoch milliseconds so that search filters and sorts
compare them as HubSpot does; text stays text. Datetimes go out as `2024-01-31T12:34:56.789Z`
(the client parses them with dateutil, docs/crm-api-facts.md, HubSpot › Contacts).
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Any

from connector.sandbox.hubspot.catalog import PropertyDef

MAX_STRING = 65_536  # characters a string property holds (docs/crm-api-facts.md, HubSpot › Properties)
# The datetimes a value can hold: years 1 to 9999 (an ISO 8601 year has four digits).
MIN_MS = -62_135_596_800_000
MAX_MS = 253_402_300_799_999
MAX_INTEGER = 2**63 - 1  # a whole number beyond a long is kept as a float


class InvalidValue(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def iso(ms: int) -> str:
    dt = datetime.fromtimestamp(ms / 1000, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def to_ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def parse_time(raw: Any) -> int:
    """Epoch milliseconds (a number or digits) or an ISO 8601 datetime/date → epoch ms; ValueError
    for anything else, or a moment outside years 1 to 9999."""
    if isinstance(raw, bool):
        raise ValueError(f"{raw} is not a datetime")
    if isinstance(raw, (int, float)):
        if raw != raw or raw in (float("inf"), float("-inf")):
            raise ValueError(f"{raw} is not a datetime")
        ms = int(raw)
    else:
        text = str(raw).strip()
        if re.fullmatch(r"-?[0-9]+", text):
            ms = int(text)
        else:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=UTC)
            ms = to_ms(dt)
    if not MIN_MS <= ms <= MAX_MS:
        raise ValueError(f"{raw} is outside the years 1 to 9999")
    return ms


def encode(prop: PropertyDef, raw: Any) -> Any:
    """A written value → the stored one, or InvalidValue naming HubSpot's error code.
    An empty string (or null) clears the property."""
    if raw is None or raw == "":
        return None
    kind = prop.type
    if kind == "number":
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise InvalidValue("INVALID_FLOAT", f"{raw} was not a valid number.") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise InvalidValue("INVALID_FLOAT", f"{raw} was not a valid number.")
        return int(number) if number.is_integer() and abs(number) <= MAX_INTEGER else number
    if kind in ("datetime", "date"):
        try:
            ms = parse_time(raw)
        except (ValueError, OverflowError):
            raise InvalidValue("INVALID_DATE", f"{raw} was not a valid long.") from None
        if kind == "date" and ms % 86_400_000:
            raise InvalidValue("INVALID_DATE", f"{raw} is at {iso(ms)} which is not midnight!")
        return ms
    text = raw if isinstance(raw, str) else str(raw).lower() if isinstance(raw, bool) else str(raw)
    if kind == "bool":
        if text.lower() not in ("true", "false"):
            raise InvalidValue("INVALID_BOOLEAN", f"{text} was not a valid boolean.")
        return text.lower()
    if kind == "enumeration" and prop.options:
        for part in text.split(";"):
            if part not in prop.options:
                raise InvalidValue("INVALID_OPTION", f"{part} was not one of the allowed options: "
                                   + ", ".join(prop.options))
    if len(text) > MAX_STRING:
        # Code unconfirmed; the limit is from the properties docs (docs/crm-api-facts.md, HubSpot › Properties).
        raise InvalidValue("INVALID_STRING_LENGTH", f"Value for {prop.name} is longer than {MAX_STRING} characters.")
    return text


def decode(prop_type: str, stored: Any) -> str | None:
    """A stored value → the string HubSpot sends (or None)."""
    if stored is None:
        return None
    if prop_type == "number":
        if isinstance(stored, float) and stored.is_integer():
            return str(int(stored))
        return str(stored)
    if prop_type == "datetime":
        return iso(int(stored))
    if prop_type == "date":
        return iso(int(stored))[:10]
    return str(stored)


def filter_value(prop_type: str, raw: Any) -> Any:
    """A search filter's value → what it is compared with in SQL (None when it cannot match)."""
    if prop_type == "number":
        try:
            number = float(raw)
        except (TypeError, ValueError):
            return None
        return None if number != number else number
    if prop_type in ("datetime", "date"):
        try:
            return parse_time(raw)
        except (TypeError, ValueError, OverflowError):
            return None
    return None if raw is None else str(raw)


def contains_token(stored: Any, token: str) -> int:
    """CONTAINS_TOKEN: a whole word of the value (or the whole value) equals the token, ignoring
    case; `*` is a wildcard."""
    if stored is None:
        return 0
    return int(_token_pattern(token).search(str(stored)) is not None)


_SEPARATORS = r"\s,;:/"


@functools.lru_cache(maxsize=256)
def _token_pattern(token: str) -> re.Pattern[str]:
    # A wildcard matches within one word; the token as a whole must sit between separators.
    word = f"[^{_SEPARATORS}]*".join(re.escape(part) for part in token.split("*"))
    return re.compile(rf"(?:^|(?<=[{_SEPARATORS}])){word}(?=$|[{_SEPARATORS}])", re.IGNORECASE)
