"""End-to-end: the sync against the Salesforce sandbox (HTTPS) through the real simple-salesforce."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from connector.crm.errors import CrmError
from connector.errors import UserError
from connector.sandbox.salesforce import Faults, SalesforceSandbox
from connector.state import StateStore, default_url
from connector.scoring import load_model
from connector.crm.registry import open_adapter
from connector.sync.service import sync_once
from tests.sync.salesforce_helpers import (
    ANCHOR, NOW, OURS, Clock, api_writes, crm_state, settings_for, write_calls,
)

PEOPLE = 300
STAGES = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
          "customer", "evangelist")


@pytest.fixture
def clock():
    return Clock(NOW)


@pytest.fixture
def sb(clock):
    with SalesforceSandbox.start(people=PEOPLE, seed=11, anchor=ANCHOR, clock=clock) as sandbox:
        yield sandbox


@pytest.fixture
def cfg(sb, tmp_path):
    return settings_for(sb, tmp_path)


def test_first_sync_writes_every_lead_once(sb, cfg):
    report = sync_once(cfg, full=True, as_of=NOW)
    ids = sb.ids("Lead")
    assert report.stats.written == len(ids) > 200
    for lead in ids:
        [written] = api_writes(sb, lead)
        assert {"Leadscore_Fit__c", "Leadscore_Label__c", "Leadscore_Reasons__c"} <= set(written)
    labels = {sb.record(i)["Leadscore_Label__c"] for i in ids}
    assert "hot" in labels and "cold" in labels


def test_second_sync_with_nothing_new_writes_nothing(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    calls = write_calls(sb)
    report = sync_once(cfg, as_of=NOW)
    assert write_calls(sb) == calls
    assert (report.stats.written, report.stats.read) == (0, 0)  # our own writes are not read again


def test_new_activity_on_three_leads_writes_those_three(sb, cfg, clock):
    sync_once(cfg, full=True, as_of=NOW)
    ids = sb.ids("Lead")
    coldest = sorted(ids, key=lambda i: (sb.record(i)["Leadscore_Engagement__c"], i))[:3]
    later = clock.advance(timedelta(hours=1))
    for lead in coldest:
        sb.add_task(lead, "Email", "RE: pricing for 50 seats")
        sb.add_event(lead, start=later - timedelta(minutes=30), subject="Demo")
        sb.add_task(lead, "Call", "Call: Connected", CallDisposition="Connected")
    report = sync_once(cfg, as_of=later)
    assert report.stats.written == 3
    assert {i for i in ids if len(api_writes(sb, i)) == 2} == set(coldest)


def test_a_month_of_decay_cools_leads(sb, cfg, clock):
    sync_once(cfg, full=True, as_of=NOW)
    ids = sb.ids("Lead")
    before = {i: sb.record(i)["Leadscore_Engagement__c"] for i in ids}
    later = clock.advance(timedelta(days=60))
    sync_once(cfg, full=True, as_of=later)
    after = {i: sb.record(i)["Leadscore_Engagement__c"] for i in ids}
    assert all(after[i] <= before[i] for i in ids)
    assert sum(after[i] < before[i] for i in ids) > len(ids) // 4


def test_failed_records_are_retried_on_the_next_run(sb, cfg, tmp_path):
    refused = sb.ids("Lead")[:3]
    sb.reject_writes(refused)
    first = sync_once(cfg, full=True, as_of=NOW)
    assert first.stats.failed == 3
    store = StateStore.open(default_url(cfg.data_dir), crm="salesforce")
    assert sorted(f.lead_id for f in store.failed("test")) == sorted(refused)
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" in store.failed("test")[0].reason
    sb.accept_writes()
    second = sync_once(cfg, as_of=NOW)
    assert second.stats.written == 3
    assert all(len(api_writes(sb, i)) == 1 for i in refused)
    assert StateStore.open(default_url(cfg.data_dir), crm="salesforce").failed("test") == []


def test_faults_end_in_the_same_state_as_a_clean_run(tmp_path):
    with SalesforceSandbox.start(people=PEOPLE, seed=3, anchor=ANCHOR, clock=Clock(NOW)) as clean:
        sync_once(settings_for(clean, tmp_path / "clean"), full=True, as_of=NOW)
        expected = crm_state(clean, clean.ids("Lead"))
    faults = Faults(seed=5, error_rate=0.15, drop_rate=0.15, lock_rate=0.05)
    with SalesforceSandbox.start(people=PEOPLE, seed=3, anchor=ANCHOR, clock=Clock(NOW), faults=faults) as sb:
        cfg = settings_for(sb, tmp_path / "faulty", retry_attempts=8)
        sync_once(cfg, full=True, as_of=NOW)
        for _ in range(3):
            if not StateStore.open(default_url(cfg.data_dir), crm="salesforce").failed("test"):
                break
            sync_once(cfg, as_of=NOW)
        statuses = {status for _, _, status in sb.requests()}
        assert {0, 500, 503} <= statuses  # drops, errors
        assert crm_state(sb, sb.ids("Lead")) == expected


def test_stage_never_moves_backwards(sb, cfg, clock):
    ids = sb.ids("Lead")
    ahead = ids[:5]
    for lead in ahead:
        sb.edit(lead, Leadscore_Stage__c="opportunity")  # a rep moved them further along
    sync_once(cfg, full=True, as_of=NOW)
    first = {i: sb.record(i)["Leadscore_Stage__c"] for i in ids}
    assert all(first[i] == "opportunity" for i in ahead)
    later = clock.advance(timedelta(days=90))
    sync_once(cfg, full=True, as_of=later)
    for lead in ids:
        stage = sb.record(lead)["Leadscore_Stage__c"]
        if first[lead] is not None:
            assert STAGES.index(stage) >= STAGES.index(first[lead])


def test_an_expired_session_is_renewed_once_and_the_sync_completes(sb, cfg):
    adapter = open_adapter(cfg, load_model(cfg.model_path))  # a long-lived worker keeps its session
    sync_once(cfg, full=True, as_of=NOW, adapter=adapter)
    sb.expire_sessions()
    sb.add_task(sb.ids("Lead")[0], "Email", "RE: next steps")
    report = sync_once(cfg, as_of=NOW, adapter=adapter)
    assert report.stats.written == 1
    assert [s for _, p, s in sb.requests() if p.startswith("/services/data")].count(401) == 1
    assert [p for _, p, _ in sb.requests()].count("/services/oauth2/token") == 2


def test_an_expired_access_token_is_a_clear_error(sb, tmp_path):
    cfg = settings_for(sb, tmp_path, salesforce_auth="token", salesforce_access_token=sb.new_token())
    sb.expire_sessions()
    with pytest.raises(UserError, match="LEADSCORE_SALESFORCE_ACCESS_TOKEN"):
        sync_once(cfg, full=True, as_of=NOW)


def test_the_allocation_guard_stops_cleanly_before_the_share(sb, cfg):
    sb.set_usage(79_995, 100_000)
    with pytest.raises(CrmError, match="daily API usage is 80,000 of 100,000.*stops at 80%"):
        sync_once(cfg, full=True, as_of=NOW)
    assert sb.org.used == 80_000
    store = StateStore.open(default_url(cfg.data_dir), crm="salesforce")
    assert store.checkpoint("test") is None  # no page was fully written: nothing to skip next time
    [run] = store.runs("test", 1)
    assert run.outcome == "failed" and "80,000 of 100,000" in run.error


def test_missing_fields_stop_before_any_write(tmp_path, clock):
    with SalesforceSandbox.start(people=20, seed=2, anchor=ANCHOR, clock=clock, leadscore_fields=False) as sb:
        with pytest.raises(UserError, match="Lead.Leadscore_Fit__c does not exist.*--create"):
            sync_once(settings_for(sb, tmp_path), full=True, as_of=NOW)
        assert write_calls(sb) == 0


def test_field_level_security_stops_before_any_write(sb, cfg):
    sb.set_updateable("Lead", "Leadscore_Reasons__c", False)
    with pytest.raises(UserError, match="Leadscore_Reasons__c is not updateable.*field-level security"):
        sync_once(cfg, full=True, as_of=NOW)
    assert write_calls(sb) == 0


def test_the_token_never_reaches_the_logs(sb, cfg, caplog):
    caplog.set_level(logging.DEBUG)
    sb.expire_sessions()
    sync_once(cfg, full=True, as_of=NOW)
    for token in sb.org.tokens:
        assert token not in caplog.text
    assert cfg.salesforce_client_secret.get_secret_value() not in caplog.text


def test_contacts_are_scored_with_their_accounts_firmographics(sb, tmp_path):
    cfg = settings_for(sb, tmp_path, salesforce_include_contacts=True)
    report = sync_once(cfg, full=True, as_of=NOW)
    contacts = sb.ids("Contact")
    assert contacts and report.stats.written == len(sb.ids("Lead")) + len(contacts)
    sized = [c for c in contacts if "employees" in (sb.record(c)["Leadscore_Reasons__c"] or "")]
    assert sized, "company size comes from the Contact's Account through Account.NumberOfEmployees"


def test_the_run_record_keeps_the_orgs_daily_api_usage(sb, cfg):
    sb.set_usage(41_000, 100_000)
    report = sync_once(cfg, full=True, as_of=NOW)
    [run] = StateStore.open(default_url(cfg.data_dir), crm="salesforce").runs("test", 1)
    assert run.stats.api_quota == {"daily_used": sb.org.used, "daily_max": 100_000}
    assert 41_000 < sb.org.used < 41_100
    assert report.stats.api_quota == run.stats.api_quota
