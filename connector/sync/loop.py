"""The sync loop: pages of leads → score → only changed values → write in batches → record.

CRM-neutral: it drives a `CrmAdapter` and a `StateStore` and knows nothing of HubSpot. The
checkpoint discipline: a page's checkpoint is saved only after every record of the page was
written or recorded as failed, so a crash anywhere loses nothing; records written before a crash
compare equal on the rerun (and carry our own-write marker), so nothing is written twice.
Records that failed on an earlier run are retried first, and the pass then leaves them out: each
lead is scored and written at most once a run. A lead that cannot be mapped or scored is recorded
as failed with its reason and the run goes on. The scorer's data warnings are counted by kind.
A run whose model differs from the one the portal was last fully scored with rescores every lead.
Every scored lead's scoring inputs are kept in the state store once its outcome is known
(connector/sync/inputs.py); a run started `from_inputs` (the nightly rescore, when they are
complete) is an incremental pass followed by a rescore of every other lead from its kept inputs,
which reads nothing from the CRM.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from connector.crm.base import ApiUsage, CrmAdapter, LeadRecord, RunTimes, ScoreUpdate, score_field
from connector.crm.errors import CallsStopped
from connector.errors import UserError
from connector.scoring.checker import UNKEYED
from connector.scoring.modelset import ModelSet, label_of
from connector.state import RecordOutcome, RunStats, StateStore
from connector.sync.diff import desired_values, model_changes
from connector.sync.fingerprint import ModelStamp
from connector.sync.inputs import InputKeeper

if TYPE_CHECKING:
    from connector.notify import Notifier
    from connector.scoring.model import ScoringModel
    from connector.sync.abort import Abort
    from connector.scoring.types import ScoreResult
    from connector.sync.accounts import AccountPass, AccountReport

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Change:
    """A lead whose written values would change (what a dry run lists): `old` and `new` hold the
    values that change, `after` every value as it would be after the pass (a stage left as is
    included)."""

    lead_id: str
    name: str
    old: Mapping[str, str | None]
    new: Mapping[str, str]
    reasons: str
    after: Mapping[str, str] = field(default_factory=dict)


@dataclass
class Tally:
    """One model's figures in a pass."""

    label_moves: Counter = field(default_factory=Counter)  # (old label, new label) → leads
    grade_moves: Counter = field(default_factory=Counter)  # (old grade, new grade) → leads
    labels: Counter = field(default_factory=Counter)  # new label → leads scored
    grades: Counter = field(default_factory=Counter)


@dataclass
class SyncReport:
    """A pass's figures. `tallies`: each model's, by its key ("default": the model without
    one), in the order the models are listed; `labels`, `grades`, `label_moves` and
    `grade_moves` are the first model's."""

    run_id: int
    mode: str
    stats: RunStats
    duration_s: float
    tallies: dict[str, Tally] = field(default_factory=dict)
    # (stage now, stage after this pass) → leads: what sets off a portal's workflows and hand-offs
    # (the model that moves the stage)
    stage_moves: Counter = field(default_factory=Counter)
    cancelled: bool = False
    usage: ApiUsage | None = None  # the run's API calls, by endpoint and by status
    tasks: Counter = field(default_factory=Counter)  # owner tasks: created, found, no_owner ...
    model_changed: bool = False  # the model differed from the portal's last: every lead rescored
    warning_examples: list[tuple[str, str, str]] = field(default_factory=list)  # (lead, kind, text)
    accounts: AccountReport | None = None  # the account pass, when the model scores accounts

    def __post_init__(self) -> None:
        if not self.tallies:  # a report of one model without a key
            self.tallies[UNKEYED] = Tally()

    def _first(self) -> Tally:
        return next(iter(self.tallies.values()))

    @property
    def label_moves(self) -> Counter:
        return self._first().label_moves

    @property
    def grade_moves(self) -> Counter:
        return self._first().grade_moves

    @property
    def labels(self) -> Counter:
        return self._first().labels

    @property
    def grades(self) -> Counter:
        return self._first().grades


@dataclass(frozen=True)
class RunHooks:
    """How a caller follows and steers a pass: callbacks for each change (a dry run's list), each
    scored lead, each page done and the run's API usage (also when it fails); the event that
    asks it to stop between batches; the clock that times it; the abort that ends its CRM calls
    at once. `on_result` gets each scored lead's results by model key, in the order the models
    are listed."""

    on_change: Callable[[Change], None] | None = None
    on_result: Callable[[LeadRecord, Mapping[str, ScoreResult]], None] | None = None
    on_page: Callable[[SyncReport], None] | None = None
    on_usage: Callable[[ApiUsage], None] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    clock: Callable[[], float] = time.monotonic
    abort: Abort | None = None  # closes the run's adapter when a shutdown's time runs out
    # Whether this process may still write for the portal (its lease or lock held and renewed
    # in time: worker/lock.py); asked before each write and checkpoint. None: always.
    holds: Callable[[], bool] | None = None


WARNING_EXAMPLES = 10  # data warnings a report keeps word for word (all are counted)


class Cancelled(Exception):
    """Raised inside the loop when the cancel event is set between batches."""


class LeaseLost(UserError):
    """The process no longer holds the portal's lease (or the worker lock) in time: another
    may sync the portal now, so this run stops before its next write, saving nothing more."""

    def __init__(self) -> None:
        super().__init__(
            "stopped before the next write: this process could not renew its lease of the "
            "portal in time (database slow or unreachable, or the process starved), so another "
            "replica may be syncing it now; nothing more is written by this run, and the next "
            "run resumes from the last saved checkpoint. Fix: if this recurs, check the state "
            "database's latency and the worker's CPU, or raise LEADSCORE_LOCK_STALE_SECONDS")


def display_name(record: LeadRecord) -> str:
    props = record.lead.properties
    name = " ".join(p for p in (props.get("firstname"), props.get("lastname")) if p)
    return name or props.get("email") or record.lead.id


class SyncRun:
    """One pass. Build it, then `run()`; `report` holds the figures afterwards.

    Scores, `scored_at` and event ages use `times.scoring`; the run history (started, and
    finished = started + the time the pass took), the checkpoint's and the failures' stamps use
    the wall clock at the start, `times.started`. `model`: one model or a set; every model
    scores each lead read once, and one update per lead carries all their changes."""

    def __init__(
        self,
        adapter: CrmAdapter,
        store: StateStore,
        model: ScoringModel | ModelSet,
        score: Callable[..., ScoreResult],
        *,
        portal: str,
        times: RunTimes,
        full: bool = False,
        dry_run: bool = False,
        hooks: RunHooks | None = None,
        notify: Sequence[Notifier] = (),
        stamp: ModelStamp | None = None,
        accounts: AccountPass | None = None,
        inputs: InputKeeper | None = None,
        from_inputs: bool = False,
    ) -> None:
        self.adapter = adapter
        self.notify = tuple(notify)  # owner tasks, webhook: leads that turn hot / enter MQL
        self.store = store
        self.models = ModelSet.of(model)
        self.score = score
        self.portal = portal
        self.times = times
        self.full = full
        self.dry_run = dry_run
        self.stamp = stamp  # the model's fingerprint and text; None: not tracked (tests' fakes)
        self.hooks = hooks = hooks or RunHooks()
        self.accounts = accounts  # companies rescored after the contacts (sync/accounts.py)
        self.cancel = hooks.cancel
        self.clock = hooks.clock
        # Scoring inputs are kept only with a keeper (sync_once passes one; tests' fakes need not).
        self.inputs = inputs or InputKeeper(store, portal, self.models, keep=False)
        self.from_inputs = from_inputs  # rescore every lead, those unchanged from kept inputs
        self._touched: set[str] = set()  # leads scored from the CRM this run (when from_inputs)
        self._from_kept = False  # the writes now are of leads scored from kept inputs
        mode = "dry-run" if dry_run else ("full" if full or from_inputs else "incremental")
        self.report = SyncReport(run_id=0, mode=mode, stats=RunStats(), duration_s=0.0,
                                 tallies={label_of(m): Tally() for m in self.models})
        for notifier in self.notify:
            notifier.counts = self.report.tasks  # one tally for the run
        self._pending: list[ScoreUpdate] = []
        self._queued = 0  # updates queued so far
        self._written = 0  # of which written (or recorded failed)
        self._marks: deque[tuple[int, str]] = deque()  # (updates queued by page end, checkpoint)
        self._retried: set[str] = set()  # leads the failed-record retry handled: not again
        self._first_pass = False  # no checkpoint yet: the adapter reads every lead

    @property
    def crm(self) -> str:
        return self.adapter.name

    # The pass ----------------------------------------------------------------------------
    def run(self) -> SyncReport:
        started = self.clock()
        self.adapter.start_pass(self.times)
        usage_before = self.adapter.api_usage()
        self._check_model()
        self.report.run_id = self.store.start_run(self.portal, self.report.mode, self.times.started)
        outcome, error = "ok", None
        try:
            self.adapter.ensure_fields(self.models, create=not self.dry_run)
            for notifier in self.notify:
                notifier.resume()
            self.inputs.begin()
            if self.accounts is not None:
                self.accounts.begin(create=not self.dry_run)
            self._retry_failed()
            self._pages()
            self._rescore_kept()
            if self.full:
                self.inputs.read_all(self.times.started)
            if self.accounts is not None:
                before = self.adapter.api_usage()
                self.report.accounts = self.accounts.run(self.cancel, self._check_holds)
                self.report.accounts.calls = self.adapter.api_usage().since(before).calls
                if self.report.accounts.cancelled:
                    raise Cancelled
            self._keep_model()
        except Cancelled:
            self.report.cancelled = True
            outcome, error = "cancelled", "stopped on request; the checkpoint is saved"
        except CallsStopped as exc:
            self.report.cancelled = True
            outcome, error = "cancelled", str(exc)
        except BaseException as exc:
            outcome, error = "failed", f"{type(exc).__name__}: {exc}"
            raise
        finally:
            self._finish(started, usage_before, outcome, error)
        return self.report

    def _check_model(self) -> None:
        """A model other than the one the portal was last fully scored with changes every lead's
        scores, not only the changed leads': rescore them all (a dry run previews that). A
        portal's first pass reads every lead anyway."""
        if self.stamp is None or self.full:
            return
        if self.store.checkpoint(self.portal) is None:
            self._first_pass = True
            return
        last = self.store.last_model(self.crm, self.portal)
        if last is not None and last[0] == self.stamp.fingerprint:
            return
        if last is None:
            log.info("no full pass of this portal has recorded its scoring model yet (an unfinished "
                     "first pass, or state from an older leadscore): rescoring every lead with %s",
                     self.stamp.fingerprint)
        else:
            log.info("the scoring model changed (was %s, now %s): rescoring every lead, not only "
                     "the changed ones", last[0], self.stamp.fingerprint)
        self.full = self.report.model_changed = True
        if self.accounts is not None:
            self.accounts.full = True  # the [account] section may have changed too
        if not self.dry_run:
            self.report.mode = "full"

    def _keep_model(self) -> None:
        """After a pass over every lead, the model they all carry scores from now."""
        if self.stamp is not None and (self.full or self._first_pass) and not self.dry_run:
            self.store.save_model(self.crm, self.portal, self.stamp.fingerprint, self.stamp.text,
                                  self.times.started)

    def _finish(self, started: float, usage_before, outcome: str, error: str | None) -> None:
        for notifier in self.notify:
            notifier.finish()
        usage = self.adapter.api_usage().since(usage_before)
        self.report.usage = usage
        stats = self.report.stats
        stats.api_calls, stats.rate_limited, stats.retries, stats.api_quota = (
            usage.calls, usage.rate_limited, usage.retries, usage.quota
        )
        stats.labels = {key: dict(tally.labels) for key, tally in self.report.tallies.items()}
        if stats.warnings:
            log.warning("data warnings this run (leads scored without a value they carry): %s; "
                        "the first %d are logged with their lead, every one at "
                        "LEADSCORE_LOG_LEVEL=DEBUG; fix the values in the CRM",
                        _kinds(stats.warnings), WARNING_EXAMPLES,
                        extra={"warnings": dict(stats.warnings)})
        self.report.duration_s = self.clock() - started
        finished_at = self.times.started + timedelta(seconds=self.report.duration_s)
        self.store.finish_run(
            self.report.run_id, stats, outcome=outcome, finished_at=finished_at,
            duration_s=self.report.duration_s, error=error,
        )
        if self.hooks.on_usage:
            self.hooks.on_usage(usage)

    def _retry_failed(self) -> None:
        ids = [f.lead_id for f in self.store.failed(self.portal)]
        if not ids:
            return
        log.info("retrying %d records that failed earlier", len(ids))
        self._retried.update(ids)
        if self.from_inputs:
            self._touched.update(ids)
        records = list(self.adapter.read_leads(ids))
        found = {r.lead.id for r in records}
        gone = [RecordOutcome(i, ok=True) for i in ids if i not in found]
        if gone and not self.dry_run:
            self.store.record_outcomes(self.portal, gone, self.times.started)
            self.inputs.forget([g.lead_id for g in gone])
        self._process(records, clear_unchanged=True)
        self._flush(full_batches_only=True)

    def _pages(self) -> None:
        checkpoint = self.store.checkpoint(self.portal)
        own = None if self.full else self._own_writes
        for page in self.adapter.iter_pages(checkpoint, full=self.full, own_writes=own):
            self.report.stats.skipped += page.skipped
            fresh = [r for r in page.records if r.lead.id not in self._retried]
            if self.from_inputs:
                self._touched.update(r.lead.id for r in fresh)
            self._process(fresh, clear_unchanged=False)
            if page.checkpoint is not None:
                self._marks.append((self._queued, page.checkpoint))
            self._page_done(bool(page.records or page.skipped))
        self._flush(full_batches_only=False)

    def _page_done(self, any_lead: bool) -> None:
        """After a page's records are queued: write the full batches, say how far the run is, and
        stop here (the rest written first) when asked to."""
        self._flush(full_batches_only=True)
        if any_lead:
            self._log_progress()
        if self.hooks.on_page:
            self.hooks.on_page(self.report)
        if self.cancel.is_set():
            self._flush(full_batches_only=False)
            raise Cancelled

    def _rescore_kept(self) -> None:
        """After the incremental pass (its writes all made, so its leads' kept values are the
        CRM's): every other lead, scored from its kept inputs; only changed values are written."""
        if not self.from_inputs or self.full:
            return
        log.info("rescoring every other lead from its kept scoring inputs (no reads)")
        self._from_kept = True
        for page in self.inputs.pages(exclude=self._touched):
            self._process(page.records, clear_unchanged=False)
            self._page_done(bool(page.records))
        self._flush(full_batches_only=False)

    def _log_progress(self) -> None:
        s = self.report.stats
        counts = {"read": s.read, "scored": s.scored, "changed": s.changed, "written": s.written,
                  "failed": s.failed, "skipped": s.skipped}
        log.info("page done: %d read, %d unchanged since our write (not rescored), %d written, "
                 "%d failed so far", s.read, s.skipped, s.written, s.failed, extra={"counts": counts})

    def _flush(self, *, full_batches_only: bool) -> None:
        """Write pending updates in full batches (all of them at the end). After each batch,
        save the checkpoint of the last page whose every update is now written or recorded
        failed. Updates are carried across pages so batches stay full: fewer calls. A cancel
        request stops after the batch in flight (between pages, the pending rest is written
        first, so the page's checkpoint can be saved)."""
        size = self.adapter.max_batch
        self._save_reached()
        while self._pending and (len(self._pending) >= size or not full_batches_only):
            batch, self._pending = self._pending[:size], self._pending[size:]
            self._write(batch)
            self._written += len(batch)
            self._save_reached()
            if self.cancel.is_set() and full_batches_only:
                raise Cancelled

    def _save_reached(self) -> None:
        saved = None
        while self._marks and self._marks[0][0] <= self._written:
            saved = self._marks.popleft()[1]
        if saved is not None and not self.dry_run:
            self._check_holds()
            self.store.save_checkpoint(self.portal, saved, self.times.started)

    def _check_holds(self) -> None:
        if self.hooks.holds is not None and not self.hooks.holds():
            raise LeaseLost

    def _own_writes(self, stamps: Mapping[str, str]) -> Set[str]:
        ours = self.store.markers(self.portal, list(stamps))
        return {lead_id for lead_id, stamp in stamps.items() if ours.get(lead_id) == stamp}

    # One page ----------------------------------------------------------------------------
    def _process(self, records: Sequence[LeadRecord], *, clear_unchanged: bool) -> None:
        stats = self.report.stats
        updates: list[ScoreUpdate] = []
        unchanged: list[str] = []
        seen: list[RecordOutcome] = []
        broken: list[RecordOutcome] = []
        for record in records:
            stats.read += 1
            try:
                results, values = self._score(record)
            except Exception as exc:  # one bad record must never stop the portal
                broken.append(RecordOutcome(record.lead.id, ok=False,
                                            reason=f"could not be scored: {_describe(exc)}"))
                continue
            self.inputs.scored(record, values)
            if not values:
                unchanged.append(record.lead.id)
                if record.marker is not None and not self.full:
                    seen.append(RecordOutcome(record.lead.id, ok=True, marker=record.marker))
                continue
            if self.notify:  # outside the one-bad-record guard: a ledger that fails stops the run
                self._notice(record, results, values)
            updates.append(ScoreUpdate(record.lead.id, values))
        stats.failed += len(broken)
        for item in broken:
            log.warning("lead %s not scored: %s", item.lead_id, item.reason)
        if self.dry_run:
            return
        done = [RecordOutcome(i, ok=True) for i in unchanged] if clear_unchanged else []
        # `seen`: read as it is now and already holding our values: that stamp is as good as our
        # own write's, so a later pass that finds it unchanged need not read it again (a lead a
        # rescore from kept inputs wrote, read back by the next incremental pass).
        if done or broken or seen:
            self.store.record_outcomes(self.portal, done + broken + seen, self.times.started)
        self.inputs.flush()
        self._pending.extend(updates)
        self._queued += len(updates)

    def _score(self, record: LeadRecord) -> tuple[dict[str, ScoreResult], dict[str, str]]:
        """One record's results by model key and the values to write, every model's (empty:
        nothing changed); raises when the record cannot be mapped (the adapter's `problem`) or
        scored."""
        if record.problem is not None:
            raise ValueError(record.problem)
        results = {label_of(m): self.score(record.lead, m, self.times.scoring) for m in self.models}
        values = self._changes(record, results)
        self.report.stats.scored += 1
        self._tally(record, results)
        self._count_warnings(record, results.values())
        if self.accounts is not None:
            rolled = results[label_of(self.models.account_model or self.models.stage_model)]
            self.accounts.note(record.lead.id, display_name(record), rolled.engagement, bool(values))
        if values:
            self.report.stats.changed += 1
            if self.hooks.on_change:
                self.hooks.on_change(self._change(record, results, values))
        return results, values

    def _count_warnings(self, record: LeadRecord, results: Iterable[ScoreResult]) -> None:
        """Count each warning by kind and log it with the lead's id: the first few of a run at
        INFO (kept in the report too), the rest at DEBUG, so that a portal full of placeholder
        values does not flood the log; the counts carry the whole picture. A value several
        models could not use is one warning, not one per model."""
        seen: set[tuple[str, str]] = set()
        for warning in (w for result in results for w in result.warnings):
            kind, text = warning.kind, str(warning)
            if (kind, text) in seen:
                continue
            seen.add((kind, text))
            self.report.stats.warnings[kind] = self.report.stats.warnings.get(kind, 0) + 1
            shown = len(self.report.warning_examples) < WARNING_EXAMPLES
            log.log(logging.INFO if shown else logging.DEBUG, "lead %s: %s", record.lead.id,
                    warning, extra={"warning_kind": kind})
            if shown:
                self.report.warning_examples.append((record.lead.id, kind, text))

    def _write(self, batch: Sequence[ScoreUpdate]) -> None:
        self._check_holds()
        results = self.adapter.write_batch(batch)
        # A write from kept inputs keeps no own-write marker: a person's change the kept inputs
        # missed (search lag, or made while the rescore ran) would hide behind it, so the next
        # incremental pass reads these leads again (docs/architecture.md, "The nightly rescore").
        outcomes = [
            RecordOutcome(r.lead_id, ok=r.ok, reason=r.error,
                          marker=None if self._from_kept else r.marker) for r in results
        ]
        missing = {u.lead_id for u in batch} - {r.lead_id for r in results}
        outcomes += [RecordOutcome(i, ok=False, reason="no result from the CRM") for i in missing]
        self.store.record_outcomes(self.portal, outcomes, self.times.started)
        written = [o.lead_id for o in outcomes if o.ok]
        for notifier in self.notify:
            notifier.written(written)
        self.inputs.outcomes(outcomes)
        self.inputs.flush()
        for item in outcomes:
            if item.ok:
                self.report.stats.written += 1
            else:
                self.report.stats.failed += 1
                log.warning("lead %s not written: %s", item.lead_id, item.reason)

    def _changes(self, record: LeadRecord, results: Mapping[str, ScoreResult]) -> dict[str, str]:
        """Every model's changed values, by neutral field name, for one update."""
        values: dict[str, str] = {}
        stage_model = self.models.stage_model
        for model in self.models:
            values.update(model_changes(results[label_of(model)], record.written,
                                        self.times.scoring, key=model.key,
                                        moves_stage=model is stage_model))
        return values

    def _notice(self, record: LeadRecord, results: Mapping[str, ScoreResult],
                values: Mapping[str, str]) -> None:
        """The stage model's transition (hot, MQL) for the notifiers, with every model's scores."""
        stage = self.models.stage_model
        for notifier in self.notify:
            notifier.noticed(record, results[label_of(stage)], values.get("stage"),
                             record.written.get(score_field(stage.key, "label")), results)

    def _tally(self, record: LeadRecord, results: Mapping[str, ScoreResult]) -> None:
        for model in self.models:
            label = label_of(model)
            result, tally = results[label], self.report.tallies[label]
            tally.labels[result.label] += 1
            tally.grades[result.grade] += 1
            old = record.written.get(score_field(model.key, "label")) or "none"
            tally.label_moves[(old, result.label)] += 1
            old_grade = record.written.get(score_field(model.key, "grade")) or "none"
            tally.grade_moves[(old_grade, result.grade)] += 1
        moved = results[label_of(self.models.stage_model)]
        stage = record.written.get("stage") or record.lead.stage or "none"
        self.report.stage_moves[(stage, moved.stage or stage)] += 1
        if self.hooks.on_result:
            self.hooks.on_result(record, results)

    def _change(self, record: LeadRecord, results: Mapping[str, ScoreResult],
                values: Mapping[str, str]) -> Change:
        """What a dry run lists: the values that change (old, new) and every value after the pass
        (`after`, by neutral name, each model's keyed), with the reasons (by model, when several)."""
        old = {k: record.written.get(k) for k in values if not k.endswith("scored_at")}
        new = {k: v for k, v in values.items() if not k.endswith("scored_at")}
        after: dict[str, str] = {}
        for model in self.models:
            desired = desired_values(results[label_of(model)])
            desired.pop("stage", None)
            after.update({score_field(model.key, name): value for name, value in desired.items()})
        moved = results[label_of(self.models.stage_model)]
        stage = moved.stage or record.written.get("stage") or record.lead.stage
        after.update({"stage": stage} if stage else {})
        if len(results) == 1:
            reasons = after.pop(score_field(self.models.first.key, "reasons"))
        else:
            reasons = "\n".join(f"{label}: {line}" for label, result in results.items()
                                 for line in desired_values(result)["reasons"].splitlines())
            for model in self.models:
                after.pop(score_field(model.key, "reasons"))
        return Change(record.lead.id, display_name(record), old, new, reasons, after)


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _kinds(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in sorted(counts.items()))


def run_sync(adapter: CrmAdapter, store: StateStore, model: ScoringModel | ModelSet,
             score: Callable[..., ScoreResult], **kwargs: object) -> SyncReport:
    """One pass; see SyncRun for the keyword options."""
    return SyncRun(adapter, store, model, score, **kwargs).run()  # type: ignore[arg-type]

