"""Small, seeded lead histories with a known signal, for the fit's tests."""

import random
from datetime import UTC, datetime, timedelta

from connector.scoring.types import Event, Lead

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def history(n: int = 600, seed: int = 7, dated: bool = False) -> tuple[list[Lead], list[int]]:
    """Leads whose source "Reference" converts ~85%, "Google" ~40%, "Chat" ~10%; more time on
    site and more visits convert more; the outcome is drawn from those odds."""
    rng = random.Random(seed)
    leads, outcomes = [], []
    for i in range(n):
        source = rng.choice(["Reference", "Google", "Google", "Chat", "chat"])
        seconds = rng.randint(0, 2000)
        visits = rng.randint(0, 8)
        base = {"reference": 0.85, "google": 0.4, "chat": 0.1}[source.lower()]
        p = min(0.97, base * (0.6 + seconds / 2500) * (0.8 + visits / 20))
        events = tuple(
            Event("visit", NOW - timedelta(days=rng.randint(0, 120)) if dated else None) for _ in range(visits)
        )
        properties = {"lead_source": source, "time_on_website": str(seconds), "country": rng.choice(["India", None])}
        leads.append(Lead(f"s-{i}", properties, events))
        outcomes.append(1 if rng.random() < p else 0)
    return leads, outcomes
