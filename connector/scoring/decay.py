"""Time decay of engagement points: how much of an event's points are left at a given age.

Three forms, all non-increasing in age (so a lead's engagement never rises as time passes):
- none: full points forever;
- half-life: `0.5 ** (age_days / half_life_days)`, optionally cut to zero after `max_age_days`;
- steps: full or partial points inside windows (`factor` up to `days` old), zero after the last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Decay:
    kind: str  # "none", "half_life" or "steps"
    half_life_days: float = 0.0
    max_age_days: float | None = None
    steps: tuple[tuple[float, float], ...] = ()  # (days, factor), days ascending

    def factor(self, age_days: float) -> float:
        """The share of an event's points left at `age_days` (≥ 0) old."""
        if self.max_age_days is not None and age_days > self.max_age_days:
            return 0.0
        if self.kind == "half_life":
            return 0.5 ** (age_days * (1.0 / self.half_life_days))
        if self.kind == "steps":
            for days, factor in self.steps:
                if age_days <= days:
                    return factor
            return 0.0
        return 1.0

    def compiled(self) -> Callable[[float], float] | None:
        """`factor` as a small closure for the engine's hot path; None for no decay."""
        if self.kind == "none":
            return None
        max_age = self.max_age_days
        if self.kind == "half_life":
            inverse = 1.0 / self.half_life_days
            if max_age is None:
                return lambda age: 0.5 ** (age * inverse)
            return lambda age: 0.5 ** (age * inverse) if age <= max_age else 0.0
        steps = self.steps

        def stepped(age: float) -> float:
            for days, factor in steps:
                if age <= days:
                    return factor
            return 0.0

        return stepped

    def describe(self) -> str:
        if self.kind == "half_life":
            text = f"half-life {_days(self.half_life_days)}"
        elif self.kind == "steps":
            text = ", ".join(f"×{factor:g} to {_days(days)}" for days, factor in self.steps) + ", then 0"
        else:
            return "no decay"
        if self.max_age_days is not None:
            text += f", none after {_days(self.max_age_days)}"
        return text


NO_DECAY = Decay("none")


def _days(days: float) -> str:
    return f"{days:g} days"
