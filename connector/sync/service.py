"""Wiring one sync from settings: the model, the state store, the CRM adapter, the loop.

Commands (`leadscore sync`, the demo, the worker) call `sync_once`; the adapter comes from the
CRM registry (`connector.crm.registry`), the one place that knows which CRMs exist.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from connector.crm.base import Lacking, RunTimes
from connector.crm.registry import open_adapter
from connector.errors import UserError
from connector.notify import Notifier
from connector.notify.tasks import TaskNotifier
from connector.notify.webhook import WebhookNotifier, WebhookSender
from connector.scoring.modelset import ModelSet
from connector.settings import Settings
from connector.state import StateStore, default_url
from connector.state.tasks import Ledger, TaskLedger
from connector.sync.fingerprint import stamp_of
from connector.sync.accounts import AccountPass
from connector.sync.inputs import InputKeeper
from connector.sync.loop import RunHooks, SyncReport, SyncRun

if TYPE_CHECKING:
    from connector.crm.base import CrmAdapter
    from connector.scoring.model import ScoringModel

log = logging.getLogger(__name__)


def open_store(settings: Settings) -> StateStore:
    return StateStore.open(settings.state_url or default_url(settings.data_dir), crm=settings.crm)


def run_times(settings: Settings, as_of: datetime | None = None) -> RunTimes:
    """The run's moments, taken once: scores as of `as_of`, LEADSCORE_AS_OF or the start."""
    moment = as_of or settings.as_of
    if moment is not None and moment.tzinfo is None:
        raise UserError("LEADSCORE_AS_OF needs a time zone, e.g. 2026-03-01T00:00:00Z.")
    return RunTimes.begin(moment)


def full_rescore_due(store: StateStore, settings: Settings, now: datetime) -> str | None:
    """Why this run must rescore every lead (one log line's words), or None when it need not:
    no full pass ever succeeded, or the last is older than full_rescore_hours."""
    if settings.full_rescore_hours <= 0:
        return None
    last = store.last_success(settings.portal, ["full"])
    if last is None:
        return (f"no full rescore of portal {settings.portal!r} has finished yet: rescoring "
                "every lead")
    age = now - last.started_at
    if age < timedelta(hours=settings.full_rescore_hours):
        return None
    return (f"the last full rescore started {age.total_seconds() / 3600:.1f}h ago "
            f"(LEADSCORE_FULL_RESCORE_HOURS={settings.full_rescore_hours:g}): rescoring every lead")


def notifiers(settings: Settings, crm: CrmAdapter, store: StateStore, models: ModelSet,
              times: RunTimes, dry_run: bool) -> list[Notifier]:
    """The owner tasks of LEADSCORE_OWNER_TASKS and the webhook of LEADSCORE_WEBHOOK_URL (each
    when set); a CRM whose adapter cannot make tasks is a UserError before anything is read."""
    found: list[Notifier] = []
    if settings.owner_tasks != "off":
        found.append(TaskNotifier(settings.owner_tasks, models.stage_model, crm.owner_tasks(),
                                  TaskLedger(store, settings.portal), now=times.scoring,
                                  due_days=settings.owner_task_due_days, dry_run=dry_run))
    if settings.webhook_url:
        if settings.webhook_secret is None:
            raise UserError("LEADSCORE_WEBHOOK_URL is set but LEADSCORE_WEBHOOK_SECRET is not; fix: set "
                            "the secret the receiver checks the X-Leadscore-Signature header with.")
        kind = "hot" if settings.owner_tasks == "off" else settings.owner_tasks
        found.append(WebhookNotifier(
            kind, models.stage_model, Ledger(store, settings.portal),
            WebhookSender(settings.webhook_url, settings.webhook_secret.get_secret_value(),
                          attempts=settings.webhook_attempts),
            portal=settings.portal, crm=crm, now=times.scoring, dry_run=dry_run))
    return found


def account_pass(crm: CrmAdapter, store: StateStore, models: ModelSet, settings: Settings,
                 times: RunTimes, *, full: bool, dry_run: bool) -> AccountPass | None:
    """The account pass when a model scores accounts (the one with an [account] section); a CRM
    whose adapter cannot is said once a run and its contacts are scored alone (the default model
    has an [account] section)."""
    model = models.account_model
    if model is None or model.account is None:
        return None
    try:
        source = crm.accounts()
    except Lacking as exc:
        log.warning("%s; scoring contacts only", exc)
        return None
    return AccountPass(source, store, model.account, portal=settings.portal, times=times,
                       full=full, dry_run=dry_run)


def rescore_from_inputs(keeper: InputKeeper, settings: Settings, now: datetime) -> bool:
    """Whether a full rescore may score from the kept inputs instead of reading every lead again:
    they hold this model's inputs, and a full read kept them all within
    LEADSCORE_FULL_REREAD_DAYS (0: every full rescore reads the CRM)."""
    days = settings.full_reread_days
    if days <= 0 or not keeper.usable(now, timedelta(days=days)):
        return False
    log.info("full rescore from the kept scoring inputs: an incremental pass, then every other "
             "lead rescored without reading it (the last full read is under %s days old)", days)
    return True


def sync_once(
    settings: Settings,
    *,
    full: bool = False,
    dry_run: bool = False,
    as_of: datetime | None = None,
    hooks: RunHooks | None = None,
    adapter: CrmAdapter | None = None,
    model: ScoringModel | ModelSet | None = None,
) -> SyncReport:
    """One pass against the CRM in `settings`, scored as of `as_of` (default LEADSCORE_AS_OF or
    now); raises CrmError/UserError when it cannot finish. An adapter passed in is the caller's
    to close; one made here is closed here. `model`: the one the caller loaded (and built `adapter`
    with), else LEADSCORE_MODEL_PATH's (one or several)."""
    from connector.scoring import load_models, score_lead

    models = ModelSet.of(model or load_models(settings.model_path, named_by="LEADSCORE_MODEL_PATH"))
    model_stamp = stamp_of(models)
    with open_store(settings) as store:
        times = run_times(settings, as_of)
        why = None if full else full_rescore_due(store, settings, times.started)
        if why is not None:
            log.info(why)
            full = True
        keeper = InputKeeper(store, settings.portal, models, text=model_stamp.text,
                             keep=not dry_run)
        from_inputs = full and rescore_from_inputs(keeper, settings, times.started)
        crm = adapter or open_adapter(settings, models)
        if hooks is not None and hooks.abort is not None:
            hooks.abort.watch(crm)
        try:
            notify = notifiers(settings, crm, store, models, times, dry_run)
            accounts = account_pass(crm, store, models, settings, times, full=full, dry_run=dry_run)
            return SyncRun(crm, store, models, score_lead, portal=settings.portal, times=times,
                           full=full and not from_inputs, dry_run=dry_run, hooks=hooks, notify=notify,
                           stamp=model_stamp, inputs=keeper, from_inputs=from_inputs,
                           accounts=accounts).run()
        finally:
            if hooks is not None and hooks.abort is not None:
                hooks.abort.forget(crm)
            if adapter is None:
                crm.close()
