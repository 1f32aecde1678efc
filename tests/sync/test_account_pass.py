"""The account pass against an in-memory AccountSource: a full pass reads its accounts while it
pages through them, never after holding every id of the portal."""

from __future__ import annotations

from datetime import UTC, datetime

from connector.crm.base import AccountRecord, ContactScore, RunTimes, WriteResult
from connector.scoring import load_model
from connector.scoring.types import Account
from connector.sync import accounts
from connector.sync.accounts import AccountPass
from tests.sync.hubspot_helpers import MODEL

NOW = datetime(2026, 3, 2, tzinfo=UTC)


class Companies:
    """Companies 1..n, three contacts each, paged by `page` ids; logs what it was asked, in order."""

    max_batch = 100

    def __init__(self, n: int, page: int) -> None:
        self.ids = [str(i) for i in range(1, n + 1)]
        self.page = page
        self.log: list[tuple[str, int]] = []

    def ensure_fields(self, section, *, create=True):
        pass

    def moment(self) -> str:
        return NOW.isoformat()

    def changed_accounts(self, since):
        for start in range(0, len(self.ids), self.page):
            self.log.append(("page", start))
            yield {i: None for i in self.ids[start:start + self.page]}

    def accounts_of(self, contact_ids):
        return set()

    def read_accounts(self, ids):
        self.log.append(("read", len(ids)))
        return [AccountRecord(Account(i, f"Company {i}", {"numberofemployees": "200"}), {},
                              tuple(f"{i}-{n}" for n in range(3))) for i in ids]

    def contact_scores(self, contact_ids):
        return {c: ContactScore(c, 10) for c in contact_ids}

    def write_accounts(self, updates):
        return [WriteResult(u.lead_id, True) for u in updates]


def _pass(source, store) -> AccountPass:
    section = load_model(MODEL).account
    run = AccountPass(source, store, section, portal="p", times=RunTimes(NOW, NOW), full=True, dry_run=False)
    run.begin(create=False)
    return run


def test_a_full_pass_reads_accounts_before_it_has_paged_through_them_all(store, monkeypatch):
    monkeypatch.setattr(accounts, "READ_CHUNK", 50)
    source = Companies(300, page=100)
    report = _pass(source, store).run()
    assert report.read == report.written == 300
    first_read = source.log.index(("read", 50))
    assert first_read < source.log.index(("page", 200))
    assert [n for kind, n in source.log if kind == "read"] == [50] * 6


def test_a_full_pass_rescores_an_account_that_failed_before_once(store, monkeypatch):
    from connector.state import RecordOutcome

    store.record_outcomes("p" + accounts.ACCOUNTS_SUFFIX, [RecordOutcome("7", ok=False, reason="boom")], NOW)
    source = Companies(20, page=10)
    report = _pass(source, store).run()
    assert report.read == 20
