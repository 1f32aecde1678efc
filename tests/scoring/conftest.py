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


def make_model(rules: str = "", base: str = BASE) -> ScoringModel:
    """A valid model made of the base sections and `rules` (TOML appended after them)."""
    return parse_model(base + "\n" + rules, "test.toml")


@pytest.fixture
def now() -> datetime:
    return NOW
