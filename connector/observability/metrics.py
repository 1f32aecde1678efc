"""Every Prometheus metric leadscore exposes, defined once, and the small functions that move
them. The sync loop and the CRM client layers call these; they never touch a metric object.

Labels: `portal` is the portal (or Salesforce org) name the worker serves (the run context's,
see `connector.observability.context`, "-" outside a run); `crm` is hubspot or salesforce;
`endpoint` is a template such as "contacts.search" or "contacts.batch_update", never a URL with
ids in it, so the number of series stays small.

Useful queries: headroom of the 10-second window is
`leadscore_rate_limit_remaining{window="10s"} / leadscore_rate_limit_max{window="10s"}`;
the share of calls rate-limited is
`rate(leadscore_api_rate_limited_total[15m]) / rate(leadscore_api_calls_total[15m])`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from connector.observability.context import portal_var
from connector.observability.health import RunTracker

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

LEAD_STEPS = ("read", "scored", "changed", "written", "failed")
OUTCOMES = ("success", "failed", "cancelled", "skipped")

RUNS = Counter(
    "leadscore_sync_runs",
    "Sync runs by portal, kind (incremental or full) and outcome (success, failed, cancelled, "
    "skipped: not started because another run was still going).",
    ["portal", "kind", "outcome"],
    registry=REGISTRY,
)
LEADS = Counter(
    "leadscore_leads",
    "Leads handled by sync runs, by step: read, scored, changed, written, failed.",
    ["portal", "step"],
    registry=REGISTRY,
)
LABELLED = Counter(
    "leadscore_leads_labelled",
    "Leads scored by sync runs, by model (its [model] key; \"default\" for the model without one) "
    "and the label it gave.",
    ["portal", "model", "label"],
    registry=REGISTRY,
)
API_CALLS = Counter(
    "leadscore_api_calls",
    "CRM API calls by CRM, endpoint and HTTP status (\"error\" when no response came).",
    ["crm", "portal", "endpoint", "status"],
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "leadscore_api_rate_limited",
    "CRM API calls answered 429 (or the CRM's equivalent limit error).",
    ["crm", "portal", "endpoint"],
    registry=REGISTRY,
)
RETRIES = Counter(
    "leadscore_api_retries",
    "CRM API calls retried after a 429, a 5xx, a timeout or a dropped connection.",
    ["crm", "portal", "endpoint"],
    registry=REGISTRY,
)
DATA_WARNINGS = Counter(
    "leadscore_data_warnings",
    "Data the scorer could not use in leads' values, by kind (not_a_number, no_timestamp, ...): "
    "each lowers a score without failing it.",
    ["portal", "kind"],
    registry=REGISTRY,
)
DURATION = Histogram(
    "leadscore_sync_duration_seconds",
    "Wall time of finished sync runs.",
    ["portal", "kind"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400),
    registry=REGISTRY,
)
LAST_SUCCESS = Gauge(
    "leadscore_last_success_timestamp_seconds",
    "Unix time the last successful sync of the portal finished.",
    ["portal"],
    registry=REGISTRY,
)
IN_PROGRESS = Gauge(
    "leadscore_sync_in_progress", "1 while a sync of the portal runs.", ["portal"], registry=REGISTRY
)
FAILED_RECORDS = Gauge(
    "leadscore_failed_records",
    "Records whose write failed and that wait to be retried on the next run.",
    ["portal"],
    registry=REGISTRY,
)
RATE_REMAINING = Gauge(
    "leadscore_rate_limit_remaining",
    "Calls left in the CRM's rate-limit window (10s, daily, search), from its headers.",
    ["crm", "portal", "window"],
    registry=REGISTRY,
)
RATE_MAX = Gauge(
    "leadscore_rate_limit_max",
    "The CRM's limit for the window (10s, daily, search), from its headers or the configured tier.",
    ["crm", "portal", "window"],
    registry=REGISTRY,
)


def _portal(portal: str | None = None) -> str:
    return portal or portal_var.get() or "-"


def record_api_call(crm: str, endpoint: str, status: int | str) -> None:
    """One call to the CRM and how it ended: an HTTP status, or "error" without a response."""
    portal = _portal()
    API_CALLS.labels(crm, portal, endpoint, str(status)).inc()
    if str(status) == "429":
        RATE_LIMITED.labels(crm, portal, endpoint).inc()


def record_retry(crm: str, endpoint: str) -> None:
    RETRIES.labels(crm, _portal(), endpoint).inc()


def record_rate_limit(crm: str, window: str, remaining: float, limit: float | None = None) -> None:
    """What the CRM's rate-limit headers (or the limiter's own bookkeeping) say is left."""
    portal = _portal()
    RATE_REMAINING.labels(crm, portal, window).set(remaining)
    if limit is not None:
        RATE_MAX.labels(crm, portal, window).set(limit)


def run_started(portal: str) -> None:
    IN_PROGRESS.labels(portal).set(1)


def record_run(
    portal: str,
    kind: str,
    outcome: str,
    *,
    counts: Mapping[str, int] | None = None,
    duration_seconds: float | None = None,
    finished_at: float | None = None,
    failed_outstanding: int | None = None,
) -> None:
    """A run's end: its outcome, the leads it handled by step, how long it took."""
    RUNS.labels(portal, kind, outcome).inc()
    IN_PROGRESS.labels(portal).set(0)
    for step in LEAD_STEPS:
        if counts and counts.get(step):
            LEADS.labels(portal, step).inc(counts[step])
    if duration_seconds is not None and outcome != "skipped":
        DURATION.labels(portal, kind).observe(duration_seconds)
    if outcome == "success" and finished_at is not None:
        LAST_SUCCESS.labels(portal).set(finished_at)
    if failed_outstanding is not None:
        FAILED_RECORDS.labels(portal).set(failed_outstanding)


def record_labels(portal: str, labels: Mapping[str, Mapping[str, int]]) -> None:
    """A run's leads by label, for each model that scored them (several models per portal)."""
    for model, counts in labels.items():
        for label, n in counts.items():
            if n:
                LABELLED.labels(portal, model, label).inc(n)


def record_warnings(portal: str, warnings: Mapping[str, int]) -> None:
    """A run's data warnings, by kind."""
    for kind, n in warnings.items():
        DATA_WARNINGS.labels(portal, kind).inc(n)


def record_skipped(portal: str, kind: str) -> None:
    RUNS.labels(portal, kind, "skipped").inc()


class _SinceSuccess(Collector):
    """`leadscore_seconds_since_last_success` and `leadscore_portal_held`, computed when
    scraped."""

    def __init__(self, tracker: RunTracker) -> None:
        self.tracker = tracker

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "leadscore_seconds_since_last_success",
            "Seconds since the last successful sync of the portal finished.",
            labels=["portal"],
        )
        for portal, seconds in sorted(self.tracker.seconds_since_success().items()):
            family.add_metric([portal], seconds)
        yield family
        held = GaugeMetricFamily(
            "leadscore_portal_held",
            "1 when this worker syncs the portal (replicas sharing portals over PostgreSQL: it "
            "holds the portal's lease), 0 when another replica does.",
            labels=["portal"],
        )
        for portal, is_held in sorted(self.tracker.held().items()):
            held.add_metric([portal], 1 if is_held else 0)
        yield held


def watch(tracker: RunTracker) -> Collector:
    """Expose the tracker's time since last success; returns the collector (to unregister)."""
    collector = _SinceSuccess(tracker)
    REGISTRY.register(collector)
    return collector


def record_api_usage(crm: str, portal: str, statuses: Mapping[str, int], retries: int) -> None:
    """A run's API calls from its usage record: `statuses` counts answers by
    "<METHOD> <path> <status>" (status "error" without a response)."""
    for key, n in statuses.items():
        endpoint, _, status = key.rpartition(" ")
        API_CALLS.labels(crm, portal, endpoint, status).inc(n)
        if status == "429":
            RATE_LIMITED.labels(crm, portal, endpoint).inc(n)
    if retries:
        RETRIES.labels(crm, portal, "all").inc(retries)
