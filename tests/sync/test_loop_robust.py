"""The loop's promises beyond the happy path: each lead at most once a run, one bad record failing
alone, data warnings counted, a changed model rescoring everybody. An in-memory CRM (fakes.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from connector.crm.base import LeadRecord, RunTimes
from connector.scoring.types import DataWarning
from connector.sync import RunHooks, run_sync
from connector.sync.fingerprint import ModelStamp
from tests.sync.fakes import FakeCrm, FakeModel, fake_score

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
MODEL = FakeModel()
V1 = ModelStamp("test-model 1 sha256:aaaaaaaaaaaa", "name = 'test-model'\nversion = '1'\n")
V2 = ModelStamp("test-model 2 sha256:bbbbbbbbbbbb", "name = 'test-model'\nversion = '2'\n")


def sync(crm, store, score=fake_score, **kw):
    return run_sync(crm, store, MODEL, score, portal="acme", times=RunTimes(NOW, NOW), **kw)


def test_a_lead_retried_from_the_failed_list_is_not_queued_again_by_the_full_pass(store):
    crm = FakeCrm(30, max_batch=100)
    crm.fail_ids = {str(i): "207: try again" for i in range(1, 11)}
    sync(crm, store, full=True)
    crm.fail_ids = {}
    crm.writes.clear()
    batches = []
    real = crm.write_batch
    crm.write_batch = lambda updates: batches.append([u.lead_id for u in updates]) or real(updates)
    report = sync(crm, store, full=True)
    assert all(len(b) == len(set(b)) for b in batches)
    assert Counter(cid for cid, _ in crm.writes) == Counter({str(i): 1 for i in range(1, 11)})
    assert (report.stats.read, report.stats.scored, report.stats.written) == (30, 30, 10)
    assert store.failed("acme") == []


def test_a_lead_that_cannot_be_scored_is_recorded_failed_and_the_run_goes_on(store):
    crm = FakeCrm(12)

    def score(lead, model, now):
        if lead.id == "7":
            raise OverflowError("cannot convert float infinity to integer")
        return fake_score(lead, model, now)

    report = sync(crm, store, score=score)
    assert report.stats.failed == 1 and report.stats.written == 11
    (failed,) = store.failed("acme")
    assert failed.lead_id == "7" and "OverflowError" in failed.reason
    assert store.runs("acme")[0].outcome == "ok"


def test_a_record_the_adapter_could_not_map_fails_alone_with_its_reason(store):
    crm = FakeCrm(6)
    real = crm._record

    def record(c):
        if c.id == "2":
            return LeadRecord.unmapped("2", OverflowError("cannot convert float infinity to integer"))
        return real(c)

    crm._record = record
    report = sync(crm, store)
    assert (report.stats.failed, report.stats.written) == (1, 5)
    (failed,) = store.failed("acme")
    assert failed.lead_id == "2" and "could not be read" in failed.reason


def test_the_next_run_retries_a_bad_record_and_still_finishes(store):
    crm = FakeCrm(6)
    bad = {"4"}

    def score(lead, model, now):
        if lead.id in bad:
            raise ValueError("numemployees = inf")
        return fake_score(lead, model, now)

    sync(crm, store, score=score)
    crm.add_events("1", 2)
    report = sync(crm, store, score=score)
    assert store.runs("acme")[0].outcome == "ok" and report.stats.failed == 1
    assert store.failed("acme")[0].attempts == 2
    bad.clear()
    sync(crm, store, score=score)
    assert store.failed("acme") == []


def test_data_warnings_are_counted_by_kind_kept_in_the_run_and_logged_with_the_lead(store, caplog):
    def score(lead, model, now):
        result = fake_score(lead, model, now)
        if int(lead.id) % 3 == 0:
            return replace(result, warnings=(DataWarning("not_a_number", "numemployees = 'lots' is not a number"),))
        return result

    with caplog.at_level("INFO", logger="connector.sync.loop"):
        report = sync(FakeCrm(9), store, score=score)
    assert report.stats.warnings == {"not_a_number": 3}
    assert store.runs("acme")[0].stats.warnings == {"not_a_number": 3}
    assert [lead for lead, _, _ in report.warning_examples] == ["3", "6", "9"]
    assert any("lead 6" in r.getMessage() and "lots" in r.getMessage() for r in caplog.records)


def test_a_changed_model_rescores_every_lead_in_an_incremental_run(store, caplog):
    crm = FakeCrm(20)
    sync(crm, store, stamp=V1)
    crm.add_events("3", 1)
    assert sync(crm, store, stamp=V1).stats.scored == 1
    assert store.last_model("fake", "acme") == (V1.fingerprint, V1.text)
    with caplog.at_level("INFO", logger="connector.sync.loop"):
        report = sync(crm, store, stamp=V2)
    assert report.model_changed and report.mode == "full" and report.stats.scored == 20
    assert sum("scoring model changed" in r.getMessage() for r in caplog.records) == 1
    assert store.last_model("fake", "acme") == (V2.fingerprint, V2.text)
    assert sync(crm, store, stamp=V2).stats.scored == 0


def test_the_dry_run_previews_a_changed_model_on_every_lead_and_keeps_the_old_one(store):
    crm = FakeCrm(20)
    sync(crm, store, stamp=V1)
    changes = []
    report = sync(crm, store, stamp=V2, dry_run=True, hooks=RunHooks(on_change=changes.append))
    assert report.model_changed and report.stats.scored == 20
    assert store.last_model("fake", "acme")[0] == V1.fingerprint


def test_an_interrupted_model_change_rescore_is_taken_up_by_the_next_run(store):
    crm = FakeCrm(20, max_batch=2)
    sync(crm, store, stamp=V1)
    crm.contacts = {k: replace(c, props={**c.props, "fit_hint": "77"}) for k, c in crm.contacts.items()}
    crm.crash_after_batches = crm.batches + 2
    with pytest.raises(Exception):
        sync(crm, store, stamp=V2)
    assert store.last_model("fake", "acme")[0] == V1.fingerprint
    crm.crash_after_batches = None
    sync(crm, store, stamp=V2)
    assert all(c.written["fit"] == "77" for c in crm.contacts.values())
    assert store.last_model("fake", "acme")[0] == V2.fingerprint


def test_a_first_run_records_its_model_without_calling_it_a_change(store, caplog):
    with caplog.at_level("INFO", logger="connector.sync.loop"):
        report = sync(FakeCrm(5), store, stamp=V1)
    assert report.mode == "incremental" and not report.model_changed
    assert not any("model" in r.getMessage() for r in caplog.records)
    assert store.last_model("fake", "acme")[0] == V1.fingerprint


def test_a_portal_with_state_from_before_models_were_kept_is_rescored_once(store):
    crm = FakeCrm(8)
    sync(crm, store)  # an older leadscore: no model recorded
    assert store.last_model("fake", "acme") is None
    assert sync(crm, store, stamp=V1).stats.scored == 8
    assert sync(crm, store, stamp=V1).stats.scored == 0


def test_past_the_first_ten_data_warnings_each_is_logged_at_debug_and_all_are_counted(store, caplog):
    def score(lead, model, now):
        result = fake_score(lead, model, now)
        return replace(result, warnings=(DataWarning("unreadable_value", "jobtitle: 'N/A' was read as empty"),))

    with caplog.at_level("DEBUG", logger="connector.sync.loop"):
        report = sync(FakeCrm(15), store, score=score)
    lines = [r for r in caplog.records if "was read as empty" in r.getMessage()]
    assert [r.levelname for r in lines] == ["INFO"] * 10 + ["DEBUG"] * 5
    assert report.stats.warnings == {"unreadable_value": 15} and len(report.warning_examples) == 10
