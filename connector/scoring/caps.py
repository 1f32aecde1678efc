"""Caps that act on several rules at once: group caps and the bounds of each score, and the
rounding that makes a score's reasons add up to it.

(Per-rule caps, `max_events` and `max_points`, are applied where a rule's events are counted,
in the engine.) Every cap shows in the reasons, so the points a rep reads add up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from connector.scoring.compiled import Bounds, Group
from connector.scoring.points import UNIT, to_points
from connector.scoring.reasons import make_reason
from connector.scoring.types import Reason


class Entry(NamedTuple):
    """A fired rule as the engine carries it until the score is final: its points in
    fixed-point units (points.py), and the parts its reason sentence is made of, so a cap or the
    rounding can rewrite the sentence with the final points."""

    index: int  # the rule's position in the file: reasons are listed in this order
    units: int
    group: str | None
    reason: Reason
    body: str
    notes: str
    rule_id: str


class Held(NamedTuple):
    """A whole score after its bounds, and the reason line the bounds add (None: not held)."""

    score: int
    reason: Reason | None


def apply_group_caps(entries: list[Entry], groups: Mapping[str, Group], score: str) -> list[Entry]:
    """Hold each group's total within its [min, max]. The cut comes off the group's last rules
    (in file order) first, so the rules listed first keep their points."""
    totals: dict[str, int] = {}
    for entry in entries:
        if entry.group is not None:
            totals[entry.group] = totals.get(entry.group, 0) + entry.units
    excess: dict[str, int] = {}
    for name, total in totals.items():
        group = groups[name]
        held = total
        if group.max_units is not None and held > group.max_units:
            held = group.max_units
        if group.min_units is not None and held < group.min_units:
            held = group.min_units
        if held != total:
            excess[name] = total - held
    if not excess:
        return entries
    result = list(entries)
    for position in range(len(result) - 1, -1, -1):
        entry = result[position]
        left = excess.get(entry.group, 0)  # type: ignore[arg-type]
        if left > 0 and entry.units > 0:
            cut = min(entry.units, left)
        elif left < 0 and entry.units < 0:
            cut = max(entry.units, left)
        else:
            continue
        name = entry.group
        assert name is not None
        excess[name] = left - cut
        group = groups[name]
        note = f"group {name} capped at {(group.max if left > 0 else group.min):g}"
        notes = f"{entry.notes}; {note}" if entry.notes else note
        units = entry.units - cut
        reason = make_reason(entry.rule_id, score, to_points(units), entry.body, notes)
        result[position] = entry._replace(units=units, reason=reason, notes=notes)
    return result


def add_up(entries: list[Entry], points: int, score: str) -> list[Reason]:
    """The entries' reasons with whole points that sum exactly to `points` (the rounded total).

    Each reason shows its own points rounded half up; when those do not add up to the total,
    the difference goes to the reasons whose rounding moved them furthest the other way
    (largest remainder; ties to the rule listed first), one point each. So every reason stays
    within one point of its exact points, and an exact whole number never moves.
    """
    reasons = [entry.reason for entry in entries]
    missing = points - sum(reason.points for reason in reasons)
    if missing == 0:
        return reasons
    step = 1 if missing > 0 else -1
    # How far each reason's shown points lie from its exact points, in the direction needed.
    gaps = sorted(((reason.points * UNIT - entry.units) * step, position)
                  for position, (entry, reason) in enumerate(zip(entries, reasons)))
    for _, position in gaps[: abs(missing)]:
        entry = entries[position]
        reasons[position] = make_reason(entry.rule_id, score, reasons[position].points + step, entry.body, entry.notes)
    return reasons


def bound_score(units: int, bounds: Bounds, score: str) -> Held:
    """The whole score within its bounds, and a bound line when the bounds changed it."""
    points = to_points(units)
    held = min(max(points, bounds.min), bounds.max)
    if held == points:
        return Held(points, None)
    edge = "maximum" if held == bounds.max else "minimum"
    text_points = held - points
    reason = make_reason(f"{score}_bounds", score, text_points, f"{score} score held at its {edge} of {held}", "")
    return Held(held, Reason(reason.rule, reason.score, reason.points, reason.text, bound=True))
