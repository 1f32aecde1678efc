"""Aborting the syncs in flight: when a worker's shutdown time runs out, the calls its syncs are
making must end now, not when the CRM gets round to answering.

Each sync registers the adapter it opened (`watch`) and unregisters it when it ends (`forget`);
`trigger` closes every adapter still registered, from the worker's main thread. A closed adapter
starts no further call: its retry policy and rate limiter stop waiting and raise CallsStopped,
and its HTTP connections are closed. A sync that registers after `trigger` is closed at once.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connector.crm.base import CrmAdapter

log = logging.getLogger(__name__)


class Abort:
    def __init__(self) -> None:
        self.triggered = threading.Event()
        self._lock = threading.Lock()
        self._open: list[CrmAdapter] = []

    def watch(self, adapter: CrmAdapter) -> None:
        with self._lock:
            self._open.append(adapter)
            late = self.triggered.is_set()
        if late:
            adapter.close()

    def forget(self, adapter: CrmAdapter) -> None:
        with self._lock:
            self._open = [a for a in self._open if a is not adapter]

    def trigger(self) -> int:
        """Close every adapter of a sync in flight; how many there were."""
        with self._lock:
            self.triggered.set()
            adapters = list(self._open)
        for adapter in adapters:
            try:
                adapter.close()
            except Exception:  # closing is best effort: the process exits next anyway
                log.debug("closing an adapter failed", exc_info=True)
        return len(adapters)
