"""HubSpot's rate limits, per token (docs/crm-api-facts.md, HubSpot › Rate limits):

- a rolling ten-second window (default 190 requests, a Professional portal's private app);
- a daily limit (default 625,000), counted per UTC day;
- the search API's own limit (default 5 a second), whose responses carry no rate-limit headers.

Only accepted requests count. Search requests count against the search limit and the daily limit,
not the ten-second window (unconfirmed: HubSpot documents the search limit as separate).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from connector.sandbox.hubspot import errors

WINDOW = 10.0


@dataclass
class RateLimits:
    per_10s: int = 190
    daily: int = 625_000
    search_per_second: int = 5


@dataclass
class _Usage:
    window: deque[float] = field(default_factory=deque)
    searches: deque[float] = field(default_factory=deque)
    day: int = -1
    daily: int = 0


class RateLimiter:
    def __init__(self, limits: RateLimits, now: Callable[[], float]) -> None:
        self.limits = limits
        self.now = now
        self._usage: dict[str, _Usage] = {}
        self._lock = threading.Lock()

    def admit(self, token: str, search: bool) -> dict[str, str]:
        """Count one request, or raise the 429. Returns the headers the response carries."""
        with self._lock:
            now = self.now()
            usage = self._usage.setdefault(token, _Usage())
            day = int(now // 86_400)
            if day != usage.day:
                usage.day, usage.daily = day, 0
            _trim(usage.window, now - WINDOW)
            _trim(usage.searches, now - 1.0)
            if usage.daily >= self.limits.daily:
                raise errors.rate_limited("DAILY", {} if search else self._headers(usage, now))
            if search:
                if len(usage.searches) >= self.limits.search_per_second:
                    raise errors.rate_limited("SECONDLY", {})
                usage.searches.append(now)
                usage.daily += 1
                return {}
            if len(usage.window) >= self.limits.per_10s:
                raise errors.rate_limited("TEN_SECONDLY_ROLLING", self._headers(usage, now))
            usage.window.append(now)
            usage.daily += 1
            return self._headers(usage, now)

    def headers(self, token: str) -> dict[str, str]:
        """The headers as they stand, without counting a request (for a faulted 429)."""
        with self._lock:
            now = self.now()
            usage = self._usage.setdefault(token, _Usage())
            _trim(usage.window, now - WINDOW)
            return self._headers(usage, now)

    def _headers(self, usage: _Usage, now: float) -> dict[str, str]:
        secondly = max(1, math.floor(self.limits.per_10s / WINDOW))
        last_second = sum(1 for t in usage.window if t > now - 1.0)
        return {
            "X-HubSpot-RateLimit-Daily": str(self.limits.daily),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, self.limits.daily - usage.daily)),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(WINDOW * 1000)),
            "X-HubSpot-RateLimit-Max": str(self.limits.per_10s),
            "X-HubSpot-RateLimit-Remaining": str(max(0, self.limits.per_10s - len(usage.window))),
            "X-HubSpot-RateLimit-Secondly": str(secondly),
            "X-HubSpot-RateLimit-Secondly-Remaining": str(max(0, secondly - last_second)),
        }


def _trim(times: deque[float], before: float) -> None:
    while times and times[0] <= before:
        times.popleft()
