import threading
from collections import Counter
from datetime import datetime, timezone

import pytest

from connector.crm.base import RunTimes
from connector.sync import RunHooks, run_sync
from tests.sync.fakes import CrashingWrite, FakeCrm, FakeModel, fake_score

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
MODEL = FakeModel()


def sync(crm, store, **kw):
    return run_sync(crm, store, MODEL, fake_score, portal="acme", times=RunTimes(NOW, NOW), **kw)


def writes_per_contact(crm):
    return Counter(cid for cid, _ in crm.writes)


def test_first_sync_writes_every_lead(store):
    crm = FakeCrm(25)
    report = sync(crm, store)
    assert writes_per_contact(crm) == Counter({str(i): 1 for i in range(1, 26)})
    assert (report.stats.read, report.stats.scored, report.stats.written) == (25, 25, 25)
    assert crm.contacts["3"].written["fit"] == "3"


def test_second_sync_with_nothing_new_writes_nothing_and_skips_our_own_writes(store):
    crm = FakeCrm(25)
    sync(crm, store)
    crm.writes.clear()
    report = sync(crm, store)
    assert crm.writes == []
    assert report.stats.skipped == 25 and report.stats.scored == 0


def test_changed_leads_are_the_only_ones_written_with_only_changed_values(store):
    crm = FakeCrm(25)
    sync(crm, store)
    crm.writes.clear()
    for cid in ("4", "9", "17"):
        crm.add_events(cid, 6)
    report = sync(crm, store)
    assert sorted(cid for cid, _ in crm.writes) == ["17", "4", "9"]
    assert set(crm.writes[0][1]) == {"engagement", "label", "grade", "stage", "scored_at"}
    assert report.stats.read == 3


def test_a_failed_record_is_kept_and_does_not_block_the_others(store):
    crm = FakeCrm(10)
    crm.fail_ids = {"5": "INVALID_OPTION: 'hot' is not a valid option"}
    report = sync(crm, store)
    assert report.stats.failed == 1 and report.stats.written == 9
    [failed] = store.failed("acme")
    assert failed.lead_id == "5" and "INVALID_OPTION" in failed.reason


def test_a_failed_record_is_retried_on_the_next_run(store):
    crm = FakeCrm(10)
    crm.fail_ids = {"5": "boom"}
    sync(crm, store)
    crm.fail_ids = {}
    crm.writes.clear()
    sync(crm, store)
    assert [cid for cid, _ in crm.writes] == ["5"]
    assert store.failed("acme") == []


def test_checkpoint_stays_before_a_page_that_crashed_and_restart_writes_nothing_twice(store):
    crm = FakeCrm(30, page_size=10, max_batch=4)
    crm.crash_after_batches = 4  # dies in the middle of the second page
    with pytest.raises(CrashingWrite):
        sync(crm, store)
    assert store.checkpoint("acme") == '{"since": 10}'
    crm.crash_after_batches = None
    sync(crm, store)
    per_contact = writes_per_contact(crm)
    assert set(per_contact) == {str(i) for i in range(1, 31)}
    assert max(per_contact.values()) == 1


def test_crashed_run_is_recorded_as_failed_with_its_reason(store):
    crm = FakeCrm(5)
    crm.crash_after_batches = 0
    with pytest.raises(CrashingWrite):
        sync(crm, store)
    [run] = store.runs("acme")
    assert run.outcome == "failed" and "the process died here" in run.error


def test_run_record_holds_counts_and_api_calls_by_endpoint(store):
    crm = FakeCrm(12, page_size=5, max_batch=4)
    report = sync(crm, store)
    [run] = store.runs("acme")
    assert run.outcome == "ok" and run.mode == "incremental"
    assert (run.stats.read, run.stats.changed, run.stats.written) == (12, 12, 12)
    assert run.stats.api_calls == {"search": 3, "batch_update": 3}
    assert report.usage.calls == run.stats.api_calls


def test_full_sync_rescores_leads_unchanged_since_our_write(store):
    crm = FakeCrm(8)
    sync(crm, store)
    report = sync(crm, store, full=True)
    assert report.stats.scored == 8 and report.stats.skipped == 0 and report.mode == "full"


def test_dry_run_writes_nothing_saves_no_checkpoint_and_lists_changes(store):
    crm = FakeCrm(6)
    crm.add_events("2", 6)
    changes = []
    report = sync(crm, store, dry_run=True, hooks=RunHooks(on_change=changes.append))
    assert crm.writes == [] and store.checkpoint("acme") is None
    assert crm.ensured == [False]
    assert len(changes) == 6
    hot = next(c for c in changes if c.lead_id == "2")
    assert hot.old["label"] is None and hot.new["label"] == "hot" and hot.name == "Person2"
    assert report.label_moves[("none", "hot")] == 1 and report.label_moves[("none", "cold")] == 5


def test_dry_run_skips_our_own_writes_as_a_sync_would(store):
    crm = FakeCrm(6)
    sync(crm, store)
    report = sync(crm, store, dry_run=True, hooks=RunHooks(on_change=lambda c: None))
    assert report.stats.skipped == 6 and report.stats.scored == 0


def test_dry_run_after_a_sync_shows_label_moves(store):
    crm = FakeCrm(6)
    sync(crm, store)
    crm.add_events("3", 6)
    report = sync(crm, store, dry_run=True, hooks=RunHooks(on_change=lambda c: None))
    assert report.label_moves[("cold", "hot")] == 1


def test_cancel_stops_after_the_batch_in_flight_keeping_complete_pages(store):
    crm = FakeCrm(30, page_size=10, max_batch=4)
    cancel = threading.Event()

    def on_page(report):
        cancel.set()

    report = sync(crm, store, hooks=RunHooks(cancel=cancel, on_page=on_page))
    assert report.cancelled and report.stats.written == 10
    assert store.checkpoint("acme") == '{"since": 10}'
    assert store.runs("acme")[0].outcome == "cancelled"


def test_the_usage_hook_hears_the_runs_calls_after_a_crash_too(store):
    crm = FakeCrm(10, page_size=10, max_batch=4)
    crm.crash_after_batches = 1
    heard = []
    with pytest.raises(CrashingWrite):
        sync(crm, store, hooks=RunHooks(on_usage=heard.append))
    [usage] = heard
    assert usage.calls == {"search": 1, "batch_update": 1}
    assert store.runs("acme")[0].outcome == "failed"


def test_dry_run_after_a_sync_counts_grade_and_stage_moves(store):
    crm = FakeCrm(6)
    sync(crm, store)
    crm.add_events("3", 6)
    changes = []
    report = sync(crm, store, dry_run=True, hooks=RunHooks(on_change=changes.append))
    assert report.grade_moves == Counter({("D4", "D1"): 1})
    assert report.stage_moves == Counter({("none", "marketingqualifiedlead"): 1})
    assert changes[0].after["stage"] == "marketingqualifiedlead" and changes[0].after["label"] == "hot"


def test_a_stage_left_as_is_counts_as_unchanged_and_shows_in_the_change(store):
    crm = FakeCrm(2)
    crm.contacts["1"].written["stage"] = "customer"
    crm.add_events("1", 6)
    changes = []
    report = sync(crm, store, dry_run=True, hooks=RunHooks(on_change=changes.append))
    assert report.stage_moves == Counter({("customer", "customer"): 1, ("none", "none"): 1})
    assert next(c for c in changes if c.lead_id == "1").after["stage"] == "customer"


def test_a_run_whose_lease_is_lost_stops_before_its_next_write_and_saves_no_checkpoint(store):
    from connector.sync.loop import LeaseLost

    crm = FakeCrm(25)
    holds = iter([True])  # the first batch's write; lost from then on
    with pytest.raises(LeaseLost, match="another replica may be syncing it"):
        sync(crm, store, hooks=RunHooks(holds=lambda: next(holds, False)))
    assert len(crm.writes) == crm.max_batch
    assert store.checkpoint("acme") is None
    assert store.runs("acme", 1)[0].outcome == "failed"
