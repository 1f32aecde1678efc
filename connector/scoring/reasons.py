"""The sentences a sales rep reads for each fired rule: "+20 senior title: VP Sales",
"+12 visited the pricing page 3 times (decayed from 30)", "-10 free email domain".

A reason is made of its points, a body and notes (the caps and decay that changed the points);
they are kept apart so that a group cap can add its note once the points are final.
"""

from __future__ import annotations

from connector.scoring.compiled import EngagementRule, FitRule
from connector.scoring.types import Reason
from connector.scoring.values import shown


def compose(points: int, body: str, notes: str) -> str:
    text = f"{'-' if points < 0 else '+'}{abs(points)} {body}"
    return f"{text} ({notes})" if notes else text


def make_reason(rule_id: str, score: str, points: int, body: str, notes: str) -> Reason:
    return Reason(rule_id, score, points, compose(points, body, notes))


def fit_body(rule: FitRule, text: str | None) -> str:
    """The rule's sentence with the lead's value (shortened) in place of {value}."""
    reason = rule.reason
    if "{" in reason:
        reason = reason.format(value=shown(text) if text is not None else "(empty)")
    return reason


def engagement_text(rule: EngagementRule, counted: int, seen: int, raw_points: int,
                    before_cap_points: int, capped: bool) -> tuple[str, str]:
    """Body and notes for a rule that counted `counted` of `seen` events, worth `raw_points`
    undecayed and `before_cap_points` after decay, then maybe cut by its max_points."""
    body = rule.reason if counted == 1 else f"{rule.reason} {counted} times"
    notes = []
    if before_cap_points != raw_points:
        notes.append(f"decayed from {raw_points}")
    if seen > counted:
        notes.append(f"{seen} in all, the {counted} most recent counted")
    if capped:
        notes.append(f"capped at {rule.max_points:g}")
    return body, "; ".join(notes)
