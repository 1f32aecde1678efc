"""The one client-side rate limiter: a rolling window, fed by the CRM's rate-limit headers.

HubSpot counts calls per portal in a rolling ten-second window (190 for a Professional private
app, 100 for Free/Starter) and tells each response how many remain
(`X-HubSpot-RateLimit-Max`, `-Remaining`, `-Interval-Milliseconds`; usage-details page). The
limiter spaces our calls so that no window holds more than the limit, and shrinks its share when
the headers show other apps of the same portal using part of it. A separate instance paces the
search API, which has its own per-second limit and sends no headers.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from connector.crm.errors import CallsStopped


class RollingWindowLimiter:
    """At most `max_calls` calls in any `interval` seconds, measured at send time.

    `margin` widens the window a little so that calls sent exactly `interval` apart cannot both
    land in one server-side window (the server counts on arrival, a little later).
    """

    def __init__(
        self,
        max_calls: int,
        interval: float,
        *,
        margin: float = 0.02,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        stopped: threading.Event | None = None,
    ) -> None:
        if max_calls < 1 or interval <= 0:
            raise ValueError("a rate limit needs at least one call per positive interval")
        self.max_calls = max_calls
        self.interval = interval
        self.margin = margin
        self.clock = clock
        self.sleep = sleep
        self.stopped = stopped  # once set, `acquire` raises CallsStopped instead of waiting
        self._sent: deque[float] = deque()
        self._external = 0  # calls others made in the current window, from the headers
        self._external_until = 0.0
        self._lock = threading.Lock()
        self.waited = 0.0  # seconds spent waiting, for the run record

    @property
    def window(self) -> float:
        return self.interval * (1 + self.margin)

    def _capacity(self, now: float) -> int:
        external = self._external if now < self._external_until else 0
        return max(1, self.max_calls - external)

    def _expire(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()

    def acquire(self) -> None:
        """Block until one more call fits in the window, then count it as sent."""
        with self._lock:
            while True:
                if self.stopped is not None and self.stopped.is_set():
                    raise CallsStopped("the calls were stopped while waiting for the rate limit")
                now = self.clock()
                self._expire(now)
                delay = 0.0
                if len(self._sent) >= self._capacity(now):
                    delay = self._sent[0] + self.window - now
                if delay <= 0:
                    self._sent.append(now)
                    return
                self.waited += delay
                self.sleep(delay)

    def observe(self, *, max_calls: int | None = None, interval: float | None = None,
                remaining: int | None = None) -> None:
        """Adopt the limit a response reported, and note calls others made in this window."""
        with self._lock:
            if max_calls and max_calls > 0:
                self.max_calls = max_calls
            if interval and interval > 0:
                self.interval = interval
            if remaining is not None:
                now = self.clock()
                self._expire(now)
                used_by_others = self.max_calls - remaining - len(self._sent)
                self._external = max(0, used_by_others)
                self._external_until = now + self.window

    def headroom(self) -> int:
        """Calls that could be sent right now without waiting."""
        with self._lock:
            now = self.clock()
            self._expire(now)
            return max(0, self._capacity(now) - len(self._sent))
