"""The sentences a sales rep reads for each fired rule ("+12 visited the pricing page 3 times
(decayed from 30)"). Each function returns the sentence and its notes; caps.Item adds the
points in front once they are final."""

from __future__ import annotations

from connector.scoring.model import EngagementRule, FitRule
from connector.scoring.points import to_points
from connector.scoring.values import shown


def fit_reason(rule: FitRule, text: str | None) -> tuple[str, str]:
    reason = rule.reason
    if "{" in reason:
        reason = reason.format(value=shown(text) if text is not None else "(empty)")
    return reason, ""


def engagement_reason(rule: EngagementRule, counted: int, seen: int, raw_units: int,
                      capped: int | None, units: int) -> tuple[str, str]:
    """`counted` of `seen` events gave `raw_units` before decay, `capped` (if the rule's
    max_points cut it) after decay, and `units` in the end."""
    text = rule.reason if counted == 1 else f"{rule.reason} {counted} times"
    notes = []
    before_cap = capped if capped is not None else units
    if to_points(before_cap) != to_points(raw_units):
        notes.append(f"decayed from {to_points(raw_units)}")
    if seen > counted:
        notes.append(f"{seen} in all, the {counted} most recent counted")
    if capped is not None:
        notes.append(f"capped at {rule.max_points:g}")
    return text, "; ".join(notes)

