"""Small models for tests: the required sections plus whatever rules a test is about."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from connector.scoring import ScoringModel, parse_model

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL = ROOT / "config" / "scoring.toml"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)

BASE = """
[model]
name = "test"
version = "0.1"

[[labels]]
name = "hot"
min_fit = 60
min_engagement = 50
[[labels]]
name = "warm"
min_fit = 30
min_engagement = 20
[[labels]]
name = "cold"

[grade]
fit = [{ band = "A", min = 75 }, { band = "B", min = 50 }, { band = "C", min = 25 }, { band = "D", min = 0 }]
engagement = [{ band = "1", min = 75 }, { band = "2", min = 50 }, { band = "3", min = 25 }, { band = "4", min = 0 }]
"""

# The same with scores that may go negative (down to -100).
WIDE_BASE = (BASE.replace('{ band = "D", min = 0 }', '{ band = "D", min = -100 }')
             .replace('{ band = "4", min = 0 }', '{ band = "4", min = -100 }')
             + "[scores.fit]\nmin = -100\nmax = 100\n[scores.engagement]\nmin = -100\nmax = 100\n")


def make_model(rules: str = "", base: str = BASE) -> ScoringModel:
    """A valid model made of the base sections and `rules` (TOML appended after them)."""
    return parse_model(base + "\n" + rules, "test.toml")


@pytest.fixture
def now() -> datetime:
    return NOW


def fit_rule(condition: str, points: int = 10, rule_id: str = "r", extra: str = "") -> str:
    """A [[fit]] table: `condition` holds its property/op/value lines."""
    return f'[[fit]]\nid = "{rule_id}"\n{condition}\npoints = {points}\n{extra}\n'


def fires(condition: str, properties: dict) -> bool:
    """Whether a fit rule with this condition fires on a lead with these properties."""
    from connector.scoring import Lead, score_lead

    result = score_lead(Lead("1", properties), make_model(fit_rule(condition, points=10)), NOW)
    return any(reason.rule == "r" for reason in result.reasons)
