"""From a score to the values to write: only what differs from what the CRM holds.

Values are compared the way the CRM gives them back (numbers as text, possibly "42.0"), so a
lead whose scores did not change costs no write. `scored_at` is written only together with a
real change, or it alone would make every lead change on every run.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from connector.crm.base import MODEL_FIELDS, PROBABILITY, score_field
from connector.crm.text import format_reasons, format_time
from connector.scoring.types import ScoreResult

NUMBER_FIELDS = ("fit", "engagement", "probability")


def desired_values(result: ScoreResult) -> dict[str, str]:
    """Everything leadscore would write for this result (by neutral name), but `scored_at`."""
    values = {
        "fit": str(result.fit),
        "engagement": str(result.engagement),
        "label": result.label,
        "grade": result.grade,
        "reasons": format_reasons(result),
        "model": f"{result.model_name} {result.model_version}",
    }
    if result.stage is not None:
        values["stage"] = result.stage
    if result.probability is not None:
        values["probability"] = format_percent(result.probability.percent)
    return values


def format_percent(percent: float) -> str:
    """A probability as the number property holds it: percent, one decimal, a dot ("42.5"; docs/crm-api-facts.md,
    HubSpot › Properties)."""
    return f"{percent:.1f}"


def _same(name: str, new: str, old: str | None) -> bool:
    if old is None:  # unset; an empty text written reads back unset (HubSpot clears on "")
        return name not in NUMBER_FIELDS and not new.strip()
    if name in NUMBER_FIELDS:
        try:
            return float(old) == float(new)
        except ValueError:
            return False
    return old.replace("\r\n", "\n").strip() == new.strip()


def changed_values(
    result: ScoreResult, written: Mapping[str, str | None], now: datetime
) -> dict[str, str]:
    """The values that differ from `written`, plus `scored_at` when anything does."""
    changed = {
        name: value
        for name, value in desired_values(result).items()
        if not _same(name, value, written.get(name))
    }
    if changed:
        changed["scored_at"] = format_time(now)
    return changed


def model_changes(
    result: ScoreResult, written: Mapping[str, str | None], now: datetime, *,
    key: str | None, moves_stage: bool,
) -> dict[str, str]:
    """One model's changed values by neutral field name (`enterprise_fit` for the model keyed
    `enterprise`; see connector.crm.base.score_field). `written` holds every model's values;
    the stage is compared and written only for the model that moves it."""
    own = {name: written.get(score_field(key, name)) for name in (*MODEL_FIELDS, PROBABILITY, "stage")}
    changed = changed_values(result, own, now)
    if not moves_stage:
        changed.pop("stage", None)
        if set(changed) == {"scored_at"}:
            return {}
    return {score_field(key, name): value for name, value in changed.items()}
