"""Company scores end to end: a sync against the HubSpot sandbox (real hubspot-api-client) rolls
the contacts' engagement up to their companies with the default model's [account] section."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from connector.state import StateStore, default_url
from connector.sync.accounts import ACCOUNTS_SUFFIX
from connector.sync.service import sync_once
from tests.sync.hubspot_helpers import NOW, fast_portal, settings_for

SCORES = ("leadscore_fit", "leadscore_engagement", "leadscore_label", "leadscore_grade", "leadscore_reasons")


@pytest.fixture
def sb():
    with fast_portal(300, 11) as sandbox:
        yield sandbox


@pytest.fixture
def cfg(sb, tmp_path):
    return settings_for(sb, tmp_path)


def company_writes(sb) -> dict[str, int]:
    return {cid: len(sb.write_history(cid, "companies")) for cid in sb.company_ids()}


def contacts_of(sb, company: str) -> list[int]:
    return sb.store.associated("companies", "contacts", int(company))


def test_a_full_sync_scores_every_company(sb, cfg):
    report = sync_once(cfg, full=True, as_of=NOW)
    companies = sb.company_ids()
    assert report.accounts is not None and report.accounts.written == len(companies) > 20
    for company in companies:
        values = sb.company(company, SCORES)
        assert values["leadscore_label"] in ("hot", "warm", "cold")
        assert values["leadscore_grade"] and values["leadscore_fit"] is not None
    assert {sb.company(c, ["leadscore_label"])["leadscore_label"] for c in companies} == {"hot", "warm", "cold"}


def test_company_engagement_is_the_mean_of_its_three_most_engaged_contacts(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    for company in sb.company_ids()[:10]:
        scores = sorted((int(sb.contact(c, ["leadscore_engagement"])["leadscore_engagement"])
                         for c in contacts_of(sb, company)), reverse=True)[:3]
        expected = math.floor(sum(scores) / len(scores) + 0.5) if any(scores) else 0
        assert int(sb.company(company, ["leadscore_engagement"])["leadscore_engagement"]) == min(100, expected)


def test_reasons_name_the_contacts_that_contribute_most(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    company = max(sb.company_ids(), key=lambda c: len(contacts_of(sb, c)))
    top = max(contacts_of(sb, company),
              key=lambda c: int(sb.contact(c, ["leadscore_engagement"])["leadscore_engagement"]))
    person = sb.contact(top, ["firstname", "lastname", "leadscore_engagement"])
    reasons = sb.company(company, ["leadscore_reasons"])["leadscore_reasons"].splitlines()
    named = f"contact {person['firstname']} {person['lastname']} (engagement {person['leadscore_engagement']})"
    assert any(line.endswith(named) for line in reasons)


def test_a_second_sync_writes_no_company(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    before = company_writes(sb)
    sb.wait_for_search_index()  # the next run comes minutes later: search has our writes by then
    report = sync_once(cfg, as_of=NOW)
    assert company_writes(sb) == before
    assert report.accounts.read == 0 and report.accounts.skipped == len(before)


def test_a_contacts_new_engagement_rescores_its_company_only(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    company = sb.company_ids()[5]
    coldest = min(contacts_of(sb, company),
                  key=lambda c: int(sb.contact(c, ["leadscore_engagement"])["leadscore_engagement"]))
    engagement = sb.company(company, ["leadscore_engagement"])["leadscore_engagement"]
    before = company_writes(sb)
    for kind in ("meeting", "email_reply", "call"):
        sb.add_engagement(coldest, kind=kind, at=NOW - timedelta(hours=2), outcome="completed",
                          disposition="connected")
    sb.add_engagement(coldest, kind="form_submission", at=NOW - timedelta(hours=1), form="Request a demo",
                      url="https://example.com/demo")
    sb.wait_for_search_index()
    report = sync_once(cfg, as_of=NOW)
    after = company_writes(sb)
    assert {c for c in after if after[c] != before[c]} == {company}
    assert sb.company(company, ["leadscore_engagement"])["leadscore_engagement"] != engagement
    assert report.accounts.written == 1


def test_a_company_edited_in_hubspot_is_rescored(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    company = next(c for c in sb.company_ids()
                   if "mid-market" in (sb.company(c, ["leadscore_reasons"])["leadscore_reasons"] or ""))
    fit = int(sb.company(company, ["leadscore_fit"])["leadscore_fit"])
    sb.set_company(company, {"numberofemployees": "3"})
    sb.wait_for_search_index()
    report = sync_once(cfg, as_of=NOW)
    assert int(sb.company(company, ["leadscore_fit"])["leadscore_fit"]) == fit - 30 + 5
    assert report.accounts.written == 1


def test_account_calls_stay_at_the_batch_floor(sb, cfg):
    report = sync_once(cfg, full=True, as_of=NOW)
    calls = report.usage.calls
    companies = len(sb.company_ids())
    assert calls["POST /crm/v3/objects/companies/batch/update"] == math.ceil(companies / 100)
    assert calls["POST /crm/v3/objects/companies/batch/read"] == math.ceil(companies / 100)
    assert calls["POST /crm/v4/associations/companies/contacts/batch/read"] == 1
    assert calls["POST /crm/v3/objects/companies/search"] == 1
    # A full sync scored every contact, so the account pass reads none of them again: the only
    # contact batch reads are the contact pass's own (what search found, read again by id).
    assert calls["POST /crm/v3/objects/contacts/batch/read"] == math.ceil(300 / 100)


def test_a_run_stopped_before_its_account_pass_rescores_every_company_next(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    with StateStore.open(default_url(cfg.data_dir)) as store:
        key = cfg.portal + ACCOUNTS_SUFFIX
        store.save_checkpoint(key, store.checkpoint(key).replace('"open": false', '"open": true'), NOW)
    sb.wait_for_search_index()
    report = sync_once(cfg, as_of=NOW)
    assert report.accounts.full and report.accounts.read == len(sb.company_ids())
    assert report.accounts.written == 0  # nothing had changed


def test_a_dry_run_writes_no_company_and_keeps_the_checkpoint(sb, cfg):
    report = sync_once(cfg, full=True, dry_run=True, as_of=NOW)
    assert report.accounts.changed > 0 and report.accounts.written == 0
    assert all(not sb.write_history(c, "companies") for c in sb.company_ids())
    with StateStore.open(default_url(cfg.data_dir)) as store:
        assert store.checkpoint(cfg.portal + ACCOUNTS_SUFFIX) is None


def test_a_stop_request_before_the_companies_leaves_their_pass_open_for_the_next_run(sb, cfg):
    from connector.sync.loop import RunHooks

    hooks = RunHooks()
    hooks.cancel.set()  # asked before the pass: the contacts stop first
    report = sync_once(cfg, full=True, as_of=NOW, hooks=hooks)
    assert report.cancelled and report.accounts is None
    again = sync_once(cfg, as_of=NOW)
    assert again.accounts.full and again.accounts.written == len(sb.company_ids())


def test_a_lost_answer_to_a_company_update_resends_only_what_hubspot_does_not_hold(tmp_path, caplog):
    # Fault seed 2 drops the answer of the companies' batch update after HubSpot applied it.
    with fast_portal(120, 11, faults="rate_drop=0.5,seed=2") as sb:
        cfg = settings_for(sb, tmp_path, retry_attempts=10)
        with caplog.at_level("INFO", logger="connector.crm"):
            report = sync_once(cfg, full=True, as_of=NOW)
        rechecks = [r.getMessage() for r in caplog.records if "companies already held their values" in r.getMessage()]
        assert rechecks, "no company update answer was lost: pick another fault seed"
        assert report.accounts.written == len(sb.company_ids()) and report.accounts.failed == 0
        assert set(company_writes(sb).values()) == {1}, "a company was written twice"
        with StateStore.open(default_url(cfg.data_dir)) as store:
            assert store.failed("test" + ACCOUNTS_SUFFIX) == []
