"""Small, seeded lead histories with a known signal, for the fit's tests."""

import random
from datetime import UTC, datetime, timedelta

from connector.scoring.types import Event, Lead

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def history(n: int = 600, seed: int = 7, dated: bool = False) -> tuple[list[Lead], list[int]]:
    """Leads whose source "Reference" converts ~85%, "Google" ~40%, "Chat" ~10%; more time on
    site and more visits (with `dated`: more visits in the last 30 days) convert more; the outcome
    is drawn from those odds."""
    rng = random.Random(seed)
    leads, outcomes = [], []
    for i in range(n):
        source = rng.choice(["Reference", "Google", "Google", "Chat", "chat"])
        seconds = rng.randint(0, 2000)
        visits = rng.randint(0, 8)
        ages = [rng.randint(0, 120) for _ in range(visits)]
        active = sum(1 for age in ages if age <= 30) * 3 if dated else visits
        base = {"reference": 0.85, "google": 0.4, "chat": 0.1}[source.lower()]
        p = min(0.97, base * (0.6 + seconds / 2500) * (0.8 + active / 20))
        events = tuple(Event("visit", NOW - timedelta(days=age) if dated else None) for age in ages)
        properties = {"lead_source": source, "time_on_website": str(seconds), "country": rng.choice(["India", None])}
        leads.append(Lead(f"s-{i}", properties, events))
        outcomes.append(1 if rng.random() < p else 0)
    return leads, outcomes
