"""The account pass: companies (accounts) rescored after the contacts of a sync, from the
model's [account] section, through the adapter's AccountSource. CRM-neutral.

Which accounts: those whose own properties changed since the last account pass (less the
accounts whose stamp is the one our own last write produced), those with a contact whose
written scores changed in this run, and those that failed to be written before; every account
in a full pass. An account's engagement is rolled up from its contacts' engagement scores: the
ones scored in this run as scored, the others as the CRM holds them (one batch read of 100).

Nothing is lost when a run stops half way: the pass's checkpoint is marked open before the
contacts are written and closed only when every account was written or recorded as failed; a
run that finds it open rescores every account (the contacts it would have rolled up are no
longer known). State lives in the store under the portal's own key with ACCOUNTS_SUFFIX.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from connector.crm.base import AccountRecord, AccountSource, ContactScore, RunTimes, ScoreUpdate
from connector.scoring.accounts import score_account, top_contributors
from connector.scoring.compiled import AccountModel
from connector.scoring.types import Contribution, ScoreResult
from connector.state import RecordOutcome, StateStore
from connector.sync.diff import changed_values
from connector.sync.rollup import ContactScores

log = logging.getLogger(__name__)

ACCOUNTS_SUFFIX = "#accounts"
READ_CHUNK = 1000  # accounts read at once: one associations call, ten batch reads
SCORE_CONTACTS = 5000  # contacts whose scores are held at once while their accounts are scored
TOP = 10  # accounts kept for the demo's list
CONTRIBUTORS_KEPT = 10  # contributing contacts kept with each account, most engaged first


@dataclass(frozen=True)
class ScoredAccount:
    """An account as scored in the pass, with its most engaged contributing contacts (at most
    CONTRIBUTORS_KEPT: a large account's whole list is only needed while it is scored) and how
    many contributed in all."""

    record: AccountRecord
    result: ScoreResult
    contributions: tuple[Contribution, ...]
    contributors: int


@dataclass
class AccountReport:
    full: bool = False
    read: int = 0
    changed: int = 0
    written: int = 0
    failed: int = 0
    skipped: int = 0  # found changed, but only by our own write
    cancelled: bool = False  # stopped on request before every account was done
    calls: dict[str, int] = field(default_factory=dict)  # the pass's API calls, by endpoint
    labels: Counter = field(default_factory=Counter)
    top: list[ScoredAccount] = field(default_factory=list)  # the hottest, best first


class AccountPass:
    """One sync's account pass: `begin()` before the contacts are written, `note()` for each
    scored contact, `run()` after the last contact page."""

    def __init__(self, source: AccountSource, store: StateStore, section: AccountModel, *, portal: str,
                 times: RunTimes, full: bool, dry_run: bool) -> None:
        self.source, self.store, self.section = source, store, section
        self.key = portal + ACCOUNTS_SUFFIX
        self.times, self.full, self.dry_run = times, full, dry_run
        self.scores = ContactScores()  # contacts scored in this run, off the heap (rollup.py)
        self.touched: set[str] = set()  # of which those whose written scores changed (not full)
        self.report = AccountReport()
        self._before_write: Callable[[], None] | None = None
        self._since: str | None = None  # the last pass's start, by the CRM's clock
        self._start: str | None = None  # this pass's
        self._heap: list[tuple[tuple[int, int, str], int, ScoredAccount]] = []

    def begin(self, *, create: bool) -> None:
        """Check the account fields and mark the pass open (a dry run only checks)."""
        self.source.ensure_fields(self.section, create=create)
        self._start = self.source.moment()
        saved = json.loads(self.store.checkpoint(self.key) or "{}")
        since = saved.get("since")
        if saved.get("open") or since is None:
            self.full = True
        else:
            self._since = since
        if not self.dry_run:
            self._save(since, open_=True)

    def note(self, lead_id: str, name: str, engagement: int, changed: bool) -> None:
        self.scores.add(lead_id, ContactScore(name, engagement))
        if changed and not self.full:  # a full pass rescores every account anyway
            self.touched.add(lead_id)

    def run(self, cancel: threading.Event | None = None,
            before_write: Callable[[], None] | None = None) -> AccountReport:
        """Score and write the accounts wanted. A `cancel` request stops after the batch in
        flight (`report.cancelled`), leaving the pass open: the next run rescores every account.
        `before_write` is called before each write and may raise to stop the pass there (the
        run's lease lost)."""
        try:
            return self._run(cancel, before_write)
        finally:
            self.scores.close()

    def _run(self, cancel: threading.Event | None, before_write: Callable[[], None] | None) -> AccountReport:
        self.report.full = self.full
        self._before_write = before_write
        pending: list[ScoreUpdate] = []
        for ids in self._wanted():
            if cancel is not None and cancel.is_set():
                self.report.cancelled = True
                return self.report
            for scored in self._score(self.source.read_accounts(ids)):
                values = changed_values(scored.result, scored.record.written, self.times.scoring)
                if values:
                    self.report.changed += 1
                    pending.append(ScoreUpdate(scored.record.account.id, values))
                while len(pending) >= self.source.max_batch:
                    self._write(pending[: self.source.max_batch])
                    pending = pending[self.source.max_batch:]
        if pending:
            self._write(pending)
        self.report.top = [entry for _, _, entry in sorted(self._heap, reverse=True)]
        if not self.dry_run:
            self._save(self._start, open_=False)
        return self.report

    # Which accounts ----------------------------------------------------------------------
    def _wanted(self) -> Iterator[list[str]]:
        """The accounts to rescore, in chunks to read. A full pass streams every account from
        the search pages, a chunk at a time: holding every id of a portal's 130,000 companies
        added more to the sync's peak memory than anything else in the pass."""
        failed = list(dict.fromkeys(f.lead_id for f in self.store.failed(self.key)))
        if self.full:
            retried = set(failed)
            pages = self.source.changed_accounts(None)
            yield from _chunks(itertools.chain(failed, (i for page in pages for i in page if i not in retried)))
            return
        wanted: dict[str, None] = dict.fromkeys(failed)
        for page in self.source.changed_accounts(self._since):
            ours = self._own_writes(page)
            self.report.skipped += len(ours)
            wanted.update(dict.fromkeys(i for i in page if i not in ours))
        if self.touched:
            theirs = self.source.accounts_of(sorted(self.touched, key=_order))
            wanted.update(dict.fromkeys(sorted(theirs, key=_order)))
        yield from _chunks(iter(wanted))

    def _own_writes(self, stamps: dict[str, str | None]) -> set[str]:
        ours = self.store.markers(self.key, [i for i, s in stamps.items() if s])
        return {i for i, stamp in stamps.items() if stamp and ours.get(i) == stamp}

    # Scoring -----------------------------------------------------------------------------
    def _score(self, records: Sequence[AccountRecord]) -> Iterator[ScoredAccount]:
        """The accounts scored in groups of about SCORE_CONTACTS contacts (an account larger than
        that on its own), so that the contact scores held at once do not grow with the portal."""
        group: list[AccountRecord] = []
        size = 0
        for record in records:
            if group and size + len(record.contacts) > SCORE_CONTACTS:
                yield from self._score_group(group)
                group, size = [], 0
            group.append(record)
            size += len(record.contacts)
        if group:
            yield from self._score_group(group)

    def _score_group(self, records: Sequence[AccountRecord]) -> Iterator[ScoredAccount]:
        contacts = {c for r in records for c in r.contacts}
        known = self.scores.get_many(contacts)
        unknown = sorted(contacts - known.keys(), key=_order)
        read = self.source.contact_scores(unknown) if unknown else {}
        for record in records:
            contributions = []
            for contact in record.contacts:
                score = known.get(contact) or read.get(contact)
                if score is not None and score.engagement is not None:
                    contributions.append(Contribution(contact, score.name, score.engagement))
            result = score_account(record.account, contributions, self.section, self.times.scoring)
            top = tuple(top_contributors(contributions)[:CONTRIBUTORS_KEPT])
            scored = ScoredAccount(record, result, top, len(contributions))
            self.report.read += 1
            self.report.labels[result.label] += 1
            self._keep(scored)
            yield scored

    def _keep(self, scored: ScoredAccount) -> None:
        rank = self.section.fit.label_names.index(scored.result.label)
        key = (-rank, scored.result.fit + scored.result.engagement, scored.record.account.id)
        entry = (key, len(self._heap), scored)
        if len(self._heap) < TOP:
            heapq.heappush(self._heap, entry)
        elif key > self._heap[0][0]:
            heapq.heapreplace(self._heap, entry)

    # Writing -----------------------------------------------------------------------------
    def _write(self, batch: list[ScoreUpdate]) -> None:
        if self.dry_run:
            return
        if self._before_write is not None:
            self._before_write()
        results = self.source.write_accounts(batch)
        outcomes = [RecordOutcome(r.lead_id, ok=r.ok, reason=r.error, marker=r.marker) for r in results]
        missing = {u.lead_id for u in batch} - {r.lead_id for r in results}
        outcomes += [RecordOutcome(i, ok=False, reason="no result from the CRM") for i in missing]
        self.store.record_outcomes(self.key, outcomes, self.times.started)
        for item in outcomes:
            if item.ok:
                self.report.written += 1
            else:
                self.report.failed += 1
                log.warning("account %s not written: %s", item.lead_id, item.reason)

    def _save(self, since: str | None, *, open_: bool) -> None:
        self.store.save_checkpoint(self.key, json.dumps({"since": since, "open": open_}), self.times.started)


def _chunks(ids: Iterator[str]) -> Iterator[list[str]]:
    while chunk := list(itertools.islice(ids, READ_CHUNK)):
        yield chunk


def _order(value: str) -> tuple[int, str]:
    """Ids in numeric order where they are numbers (HubSpot), else as text (Salesforce)."""
    return (0, f"{int(value):020d}") if value.isdigit() else (1, value)
