"""The fewest calls HubSpot's API allows for the work a sync did, from its page and batch sizes:
the yardstick `leadscore demo` and the benchmark hold the calls actually made against."""

from __future__ import annotations

import math
from collections.abc import Mapping

from connector.crm.hubspot import reader

BATCH_UPDATE = 100


def capacity(endpoint: str) -> int | None:
    """Items one call can carry on this endpoint (None: the call itself is the unit)."""
    if endpoint.endswith("/search"):
        return reader.SEARCH_LIMIT
    if endpoint.endswith("/batch/update"):
        return BATCH_UPDATE
    if endpoint.startswith("POST /crm/v4/associations/"):
        return reader.ASSOCIATION_BATCH
    if endpoint.endswith("/batch/read" + reader.HISTORY_SUFFIX):
        return reader.BATCH_READ_WITH_HISTORY
    if endpoint.endswith("/batch/read"):
        return reader.BATCH_READ
    return None


def floor_calls(calls: Mapping[str, int], items: Mapping[str, int]) -> int:
    """Σ over endpoints of ⌈items ÷ capacity⌉ (at least one call where a call was needed to learn
    there was nothing); setup calls (properties) and the per-contact association pages HubSpot
    makes us follow for contacts with very many activities count as made."""
    total = 0
    for endpoint, made in calls.items():
        size = capacity(endpoint)
        if size is None:
            total += made
        else:
            total += max(1, math.ceil(items.get(endpoint, 0) / size))
    return total
