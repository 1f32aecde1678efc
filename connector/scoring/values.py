"""How the core reads a lead's property values and event attributes.

CRMs hand us text, and not always clean text: blanks, "n/a", "1,000", "50-100", "$2.5M", a
number where a string was expected, a list where a number was. These helpers turn a raw value
into the one form a rule compares against, and say (by returning None) when it cannot be used.
"""

from __future__ import annotations

import math
import re

# Values that mean "nobody filled this in": treated exactly like an empty property.
PLACEHOLDERS = frozenset({"n/a", "na", "none", "null", "nil", "-", "--", "?", "unknown", "not available"})

# The longest value shown in a reason sentence; longer values are cut with an ellipsis.
SHOWN_CHARS = 60

_NUMBER = re.compile(
    r"""^\s*(?P<sign>[-+])?\s*[$€£¥]?\s*
        (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
        \s*(?P<suffix>[kmb]|thousand|million|billion)?
        \s*(?P<plus>\+)?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)
# HubSpot's default `numemployees` is a dropdown of ranges ("25-50", "1000+"): see
# docs/crm-api-facts.md, HubSpot › Default contact properties. Neighbouring ranges share their end
# ("25-50", "50-100"), so a range holds the whole numbers from its lower end up to, not
# including, its upper end.
_RANGE = re.compile(r"^\s*(\d[\d,]*)\s*(?:-|–|to)\s*(\d[\d,]*)\s*$", re.IGNORECASE)
_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9}


def as_text(raw: object) -> str | None:
    """The value as stripped text, or None when it is missing, blank, a placeholder or not a
    scalar (a list or a mapping cannot be compared with a rule's value)."""
    if raw is None:
        return None
    if isinstance(raw, str):
        text = raw.strip()
    elif isinstance(raw, bool):
        text = "true" if raw else "false"
    elif isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            return None
        text = str(raw)
    else:
        return None
    if not text or text.lower() in PLACEHOLDERS:
        return None
    return text


def is_unusable(raw: object) -> bool:
    """True when a value is present but of a kind no rule can read (a list, a mapping...)."""
    return raw is not None and not isinstance(raw, (str, int, float, bool))


def as_number(text: str) -> float | None:
    """A number read from text as CRMs and people write it, or None.

    Accepts "1200", "1,200", "1200.5", "$2.5M", "10k", "1000+" and ranges ("50-100" → 50, its
    lower end: what the backtest's candidate rules read; numeric rules compare as_interval).
    Rejects anything else and non-finite values, so a huge or garbled value never matches a
    numeric rule by accident.
    """
    match = _NUMBER.match(text)
    if match:
        value = float(match["num"].replace(",", ""))
        if match["suffix"]:
            value *= _SCALE[match["suffix"].lower()]
        if match["sign"] == "-":
            value = -value
    else:
        ranged = _RANGE.match(text)
        if not ranged:
            return None
        value = float(ranged[1].replace(",", ""))
    return value if math.isfinite(value) else None


def as_interval(text: str) -> tuple[float, float] | None:
    """The whole span a value stands for, as (lowest, highest), both included, or None.

    A number is its own span ("250" → (250, 250)); a range holds its lower end up to, not
    including, its upper end ("50-100" → (50, 99), "1-5" → (1, 4)); an open range has no top
    ("1000+" → (1000, inf)). A range whose ends are equal is that number; one whose ends are
    reversed is not a number. The numeric operators compare the whole span (conditions.py).
    """
    ranged = _RANGE.match(text)
    if ranged:
        low = float(ranged[1].replace(",", ""))
        high = float(ranged[2].replace(",", ""))
        if not (math.isfinite(low) and math.isfinite(high)) or high < low:
            return None
        return (low, high - 1) if high > low else (low, low)
    match = _NUMBER.match(text)
    if not match:
        return None
    number = as_number(text)
    if number is None:
        return None
    return (number, math.inf) if match["plus"] else (number, number)


def email_domain(text: str) -> str:
    """The lowercased domain of an email address, or of a website/domain value."""
    text = text.lower()
    at = text.rfind("@")
    if at >= 0:
        return text[at + 1 :].strip().rstrip(".>")
    for prefix in ("https://", "http://"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    text = text.split("/", 1)[0]
    return text[4:] if text.startswith("www.") else text


def shown(text: str) -> str:
    """A value as quoted in a reason: on one line and at most SHOWN_CHARS long."""
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"
