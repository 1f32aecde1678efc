"""Wiring one sync from settings: the model, the state store, the CRM adapter, the loop.

Commands (`leadscore sync`, the demo, the worker) call `sync_once`; each CRM's adapter is built in
`make_adapter`, the one place that knows which CRMs exist.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from connector.errors import UserError
from connector.settings import Settings
from connector.state import StateStore, default_url
from connector.sync.loop import Change, SyncReport, SyncRun

if TYPE_CHECKING:
    from connector.crm.base import CrmAdapter, LeadRecord
    from connector.scoring.model import ScoringModel
    from connector.scoring.types import ScoreResult

log = logging.getLogger(__name__)


def open_store(settings: Settings) -> StateStore:
    return StateStore.open(settings.state_url or default_url(settings.data_dir), crm=settings.crm)


def hubspot_token(settings: Settings) -> str:
    token = settings.hubspot_token.get_secret_value() if settings.hubspot_token else ""
    if not token.strip():
        raise UserError(
            "LEADSCORE_HUBSPOT_TOKEN is not set. Fix: create a private app in HubSpot (Settings → "
            "Integrations → Private Apps) with the scopes listed in the README, and put its access "
            "token in LEADSCORE_HUBSPOT_TOKEN (in the environment or the env file)."
        )
    return token.strip()


def make_adapter(settings: Settings, model: ScoringModel, now: datetime | None = None) -> CrmAdapter:
    """The adapter for `settings.crm`, its client paced and retried by the settings. `now` is
    when the pass starts in CRM time (the clock by default), for the modification window."""
    started = now or datetime.now(UTC)
    if settings.crm == "hubspot":
        from connector.crm.hubspot.adapter import HubSpotAdapter
        from connector.crm.hubspot.client import ClientOptions, HubSpotClient

        client = HubSpotClient(
            hubspot_token(settings),
            settings.hubspot_url,
            ClientOptions(
                rate_limit_per_10s=settings.hubspot_rate_limit_per_10s,
                search_per_second=settings.hubspot_search_per_second,
                attempts=settings.retry_attempts,
                max_wait=settings.retry_max_wait_seconds,
                timeout=settings.http_timeout_seconds,
            ),
        )
        return HubSpotAdapter(
            client, model, prefix=settings.property_prefix, group=settings.property_group,
            overlap=timedelta(seconds=settings.sync_overlap_seconds), now=lambda: started,
            web_events=settings.hubspot_web_events,
        )
    if settings.crm == "salesforce":
        from connector.crm.salesforce import connect

        return connect(settings, clock=lambda: started)
    raise UserError(f"LEADSCORE_CRM={settings.crm}: this CRM has no sync yet; fix: use hubspot or salesforce.")


def full_rescore_due(store: StateStore, settings: Settings, now: datetime) -> bool:
    """True when no full pass ever succeeded, or the last is older than full_rescore_hours."""
    if settings.full_rescore_hours <= 0:
        return False
    last = store.last_success(settings.portal, ["full"])
    return last is None or now - last.started_at >= timedelta(hours=settings.full_rescore_hours)


def sync_once(
    settings: Settings,
    *,
    full: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
    on_change: Callable[[Change], None] | None = None,
    on_result: Callable[[LeadRecord, ScoreResult], None] | None = None,
    on_page: Callable[[SyncReport], None] | None = None,
    cancel: threading.Event | None = None,
    adapter: CrmAdapter | None = None,
) -> SyncReport:
    """One pass against the CRM in `settings`; raises CrmError/UserError when it cannot finish."""
    from connector.scoring import load_model, score_lead

    now = now or settings.as_of or datetime.now(UTC)
    if now.tzinfo is None:
        raise UserError("LEADSCORE_AS_OF needs a time zone, e.g. 2026-03-01T00:00:00Z.")
    model = load_model(settings.model_path)
    store = open_store(settings)
    try:
        if not full and full_rescore_due(store, settings, now):
            log.info("the last full rescore is older than %sh: rescoring every lead",
                     settings.full_rescore_hours)
            full = True
        crm = adapter or make_adapter(settings, model)
        return SyncRun(
            crm, store, model, score_lead, portal=settings.portal, now=now, full=full,
            dry_run=dry_run, on_change=on_change, on_result=on_result, on_page=on_page,
            cancel=cancel,
        ).run()
    finally:
        store.close()
