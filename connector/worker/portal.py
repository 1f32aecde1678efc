"""One portal's sync for the worker: the real `sync_once`, its report turned into the worker's
RunReport, and its API usage and rate-limit headroom fed to the metrics."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

from connector.crm.base import ApiUsage
from connector.observability import metrics
from connector.settings import DEFAULT_PORTAL, Settings
from connector.sync.abort import Abort
from connector.sync.loop import RunHooks
from connector.sync.service import open_store, sync_once
from connector.worker.runs import RunReport


def portal_settings(base: Settings, portals: Mapping[str, Settings]) -> dict[str, Settings]:
    """Each portal's settings keyed by its name in the state store: a listed portal's own name
    (unless LEADSCORE_PORTAL_<NAME>_PORTAL says otherwise), or LEADSCORE_PORTAL alone."""
    if list(portals) == [DEFAULT_PORTAL] and not base.portals:
        return {base.portal: base}
    return {
        name: cfg if "portal" in cfg.model_fields_set and cfg.portal != base.portal
        else cfg.model_copy(update={"portal": name})
        for name, cfg in portals.items()
    }


def sync_portal(name: str, settings: Settings, full: bool, stop: threading.Event,
                *, abort: Abort | None = None,
                holds: Callable[[str], bool] | None = None) -> RunReport:
    """One sync pass of the portal; raises what `sync_once` raises (the worker explains it).
    `abort`: the worker's, to end the pass's CRM calls when its shutdown time runs out;
    `holds`: whether this process still holds a portal's lease (asked before each write)."""
    hooks = RunHooks(cancel=stop, abort=abort,
                     on_usage=lambda usage: _record_usage(settings, usage),
                     holds=None if holds is None else lambda: holds(name))
    report = sync_once(settings, full=full, hooks=hooks)
    metrics.record_labels(settings.portal, report.stats.labels)
    metrics.record_warnings(settings.portal, report.stats.warnings)
    with open_store(settings) as store:
        outstanding = len(store.failed(settings.portal))
    s = report.stats
    counts = {"read": s.read, "scored": s.scored, "changed": s.changed, "written": s.written,
              "failed": s.failed, "skipped": s.skipped}
    return RunReport("cancelled" if report.cancelled else "success", counts,
                     failed_outstanding=outstanding)


def _record_usage(settings: Settings, usage: ApiUsage) -> None:
    metrics.record_api_usage(settings.crm, settings.portal, usage.statuses, usage.retries)
    for window, room in usage.headroom.items():
        metrics.RATE_REMAINING.labels(settings.crm, settings.portal, window).set(room.remaining)
        metrics.RATE_MAX.labels(settings.crm, settings.portal, window).set(room.limit)
