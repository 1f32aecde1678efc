"""Account scores end to end: a sync against the Salesforce sandbox (real simple-salesforce), with
Contacts scored, rolls the Contacts' engagement up to their Accounts (`Contact.AccountId`)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.sandbox.salesforce import SalesforceSandbox
from connector.sync.service import sync_once
from tests.sync.salesforce_helpers import ANCHOR, NOW, Clock, settings_for

SCORES = ("Leadscore_Fit__c", "Leadscore_Engagement__c", "Leadscore_Label__c", "Leadscore_Grade__c",
          "Leadscore_Reasons__c")


@pytest.fixture
def clock():
    return Clock(NOW)


@pytest.fixture
def sb(clock):
    with SalesforceSandbox.start(people=300, seed=11, anchor=ANCHOR, clock=clock) as sandbox:
        yield sandbox


@pytest.fixture
def cfg(sb, tmp_path):
    return settings_for(sb, tmp_path, salesforce_include_contacts=True)


def contacts_of(sb, account: str) -> list[str]:
    rows = sb.store.db.execute('SELECT "Id" FROM "Contact" WHERE "AccountId" = ? ORDER BY "Id"', (account,))
    return [r[0] for r in rows]


def test_a_full_sync_scores_every_account(sb, cfg):
    report = sync_once(cfg, full=True, as_of=NOW)
    accounts = sb.ids("Account")
    assert report.accounts.written == len(accounts) > 3
    for account in accounts:
        record = sb.record(account)
        assert record["Leadscore_Label__c"] in ("hot", "warm", "cold") and record["Leadscore_Grade__c"]
        top = max(int(sb.record(c)["Leadscore_Engagement__c"]) for c in contacts_of(sb, account))
        assert int(record["Leadscore_Engagement__c"]) <= top  # a mean of the top three, at most the top


def test_a_contacts_new_activity_changes_its_account(sb, cfg, clock):
    sync_once(cfg, full=True, as_of=NOW)
    account = min(sb.ids("Account"), key=lambda a: int(sb.record(a)["Leadscore_Engagement__c"]))
    contact = contacts_of(sb, account)[0]
    before = sb.record(account)["Leadscore_Engagement__c"]
    clock.advance(timedelta(minutes=10))
    sb.add_event(contact, NOW - timedelta(hours=3), subject="Demo with sales")
    sb.add_task(contact, subtype="Call", subject="Call: discovery", CallDisposition="Connected")
    sb.add_task(contact, subtype="Email", subject="RE: pricing")
    report = sync_once(cfg, as_of=NOW)
    assert report.accounts.written == 1
    assert sb.record(account)["Leadscore_Engagement__c"] != before


def test_a_second_sync_writes_no_account(sb, cfg, clock):
    sync_once(cfg, full=True, as_of=NOW)
    writes = {a: len(sb.write_history(a)) for a in sb.ids("Account")}
    clock.advance(timedelta(minutes=10))
    report = sync_once(cfg, as_of=NOW)
    assert {a: len(sb.write_history(a)) for a in sb.ids("Account")} == writes
    assert report.accounts.read == 0  # our own writes are not read again (LastModifiedById)


def test_an_account_edited_in_salesforce_is_rescored(sb, cfg, clock):
    sync_once(cfg, full=True, as_of=NOW)
    account = sb.ids("Account")[0]
    clock.advance(timedelta(minutes=10))
    sb.edit(account, NumberOfEmployees=400, Industry="Computer Software", BillingCountry="Germany")
    report = sync_once(cfg, as_of=NOW)
    assert report.accounts.read == 1
    reasons = sb.record(account)["Leadscore_Reasons__c"]
    assert "mid-market company: 400 employees" in reasons and "in a core market: Germany" in reasons


def test_setup_lists_and_creates_the_account_fields(tmp_path):
    from connector.crm.registry import open_adapter
    from connector.scoring import load_model

    with SalesforceSandbox.start(people=30, seed=3, anchor=ANCHOR, leadscore_fields=False) as bare:
        settings = settings_for(bare, tmp_path)
        model = load_model(settings.model_path)
        adapter = open_adapter(settings, model)
        try:
            setup = adapter.field_setup(model)
            missing = {p.where for p in setup.problems()}
            assert "Account.Leadscore_Fit__c" in missing and "Account.Leadscore_Stage__c" not in missing
            created = setup.create_missing()
            assert "created Account.Leadscore_Engagement__c" in created
            assert setup.problems() == []
        finally:
            adapter.close()


def test_accounts_get_no_rating_when_leads_do(sb, tmp_path):
    cfg = settings_for(sb, tmp_path, salesforce_include_contacts=True, salesforce_rating_enabled=True)
    report = sync_once(cfg, full=True, as_of=NOW)
    assert report.accounts.written == len(sb.ids("Account"))
    assert all("Rating" not in fields for a in sb.ids("Account") for _, fields in sb.write_history(a))
