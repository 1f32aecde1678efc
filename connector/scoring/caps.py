"""Caps that act on several rules at once: group caps and the bounds of each score.

(Per-rule caps, `max_events` and `max_points`, are applied where a rule's events are counted,
in the engine.) Every cap shows in the reasons, so the points a rep reads add up.

The engine passes fired rules as entries: tuples of
(index, units, group, reason, body, notes, rule_id) — see engine.py.
"""

from __future__ import annotations

from collections.abc import Mapping

from connector.scoring.compiled import Bounds, Group
from connector.scoring.points import to_points
from connector.scoring.reasons import make_reason
from connector.scoring.types import Reason

Entry = tuple  # (index, units, group, reason, body, notes, rule_id)


def apply_group_caps(entries: list[Entry], groups: Mapping[str, Group], score: str) -> list[Entry]:
    """Hold each group's total within its [min, max]. The cut comes off the group's last rules
    (in file order) first, so the rules listed first keep their points."""
    totals: dict[str, int] = {}
    for entry in entries:
        if entry[2] is not None:
            totals[entry[2]] = totals.get(entry[2], 0) + entry[1]
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
        index, units, name, reason, body, notes, rule_id = result[position]
        left = excess.get(name, 0)
        if left > 0 and units > 0:
            cut = min(units, left)
        elif left < 0 and units < 0:
            cut = max(units, left)
        else:
            continue
        excess[name] = left - cut
        group = groups[name]
        note = f"group {name} capped at {(group.max if left > 0 else group.min):g}"
        notes = f"{notes}; {note}" if notes else note
        units -= cut
        reason = make_reason(rule_id, score, to_points(units), body, notes)
        result[position] = (index, units, name, reason, body, notes, rule_id)
    return result


def bound_score(units: int, bounds: Bounds, score: str) -> tuple[int, Reason | None]:
    """The whole score within its bounds, and a reason when the bounds changed it."""
    points = to_points(units)
    held = min(max(points, bounds.min), bounds.max)
    if held == points:
        return points, None
    edge = "maximum" if held == bounds.max else "minimum"
    return held, make_reason(f"{score}_bounds", score, held - points, f"{score} score held at its {edge} of {held}", "")
