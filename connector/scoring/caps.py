"""Caps that act on several rules at once: group caps and the bounds of each score.

(Per-rule caps, `max_events` and `max_points`, are applied where a rule's events are counted,
in the engine.) Every cap shows in the reasons, so the points a rep reads add up.
"""

from __future__ import annotations

from collections.abc import Mapping

from connector.scoring.model import Bounds, Group
from connector.scoring.points import to_points, to_units
from connector.scoring.types import Reason


class Item:
    """One fired rule on its way to a Reason: its points in units and its sentence."""

    __slots__ = ("rule", "score", "group", "units", "text", "notes", "reason")

    def __init__(self, rule: str, score: str, group: str | None, units: int, text: tuple[str, str]):
        self.rule = rule
        self.score = score
        self.group = group
        self.units = units
        self.text, self.notes = text
        self.reason: Reason

    def finish(self) -> None:
        points = to_points(self.units)
        sign = "-" if points < 0 else "+"
        text = f"{sign}{abs(points)} {self.text}"
        if self.notes:
            text += f" ({self.notes})"
        self.reason = Reason(self.rule, self.score, points, text)


def apply_group_caps(items: list[Item], groups: Mapping[str, Group]) -> None:
    """Hold each group's total within its [min, max]. The cut comes off the group's last rules
    (in file order) first, so the rules listed first keep their points."""
    members: dict[str, list[Item]] = {}
    for item in items:
        if item.group is not None:
            members.setdefault(item.group, []).append(item)
    for name, grouped in members.items():
        group = groups[name]
        total = sum(item.units for item in grouped)
        held = total
        if group.max is not None and held > to_units(group.max):
            held = to_units(group.max)
        if group.min is not None and held < to_units(group.min):
            held = to_units(group.min)
        excess = total - held
        if excess == 0:
            continue
        bound = group.max if excess > 0 else group.min
        note = f"group {name} capped at {bound:g}"
        for item in reversed(grouped):
            if excess == 0:
                break
            if excess > 0 and item.units > 0:
                cut = min(item.units, excess)
            elif excess < 0 and item.units < 0:
                cut = max(item.units, excess)
            else:
                continue
            item.units -= cut
            excess -= cut
            item.notes = f"{item.notes}; {note}" if item.notes else note


def bound_score(units: int, bounds: Bounds, score: str) -> tuple[int, Reason | None]:
    """The whole score within its bounds, and a reason when the bounds changed it."""
    points = to_points(units)
    held = min(max(points, bounds.min), bounds.max)
    if held == points:
        return points, None
    change = held - points
    edge = "maximum" if held == bounds.max else "minimum"
    sign = "-" if change < 0 else "+"
    return held, Reason(f"{score}_bounds", score, change,
                        f"{sign}{abs(change)} {score} score held at its {edge} of {held}")

