"""How leadscore's values read as text on a CRM record: the reasons one a line, within what a
text property holds, and moments as ISO 8601 in UTC with milliseconds. The sync writes them, the
notifications and `compare` show them as the rep will see them."""

from __future__ import annotations

from datetime import datetime, timezone

from connector.scoring.types import ScoreResult

REASONS_MAX = 65_536  # HubSpot: a string property holds at most 65,536 characters


def format_reasons(result: ScoreResult) -> str:
    """One reason a line, as a rep reads them on the record: "+20 senior title: VP Sales"; with a
    calibrated model, then the plain sentence of its probability (no points: the reasons still
    add up to the scores)."""
    lines = []
    for reason in result.reasons:
        text = reason.text.strip()
        if not text.startswith(("+", "-")):
            text = f"{reason.points:+d} {text}"
        lines.append(text)
    if result.probability is not None:
        lines.append(result.probability.sentence)
    joined = "\n".join(lines)
    return joined if len(joined) <= REASONS_MAX else joined[: REASONS_MAX - 1] + "…"


def format_time(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as HubSpot writes datetimes."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
