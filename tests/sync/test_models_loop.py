"""The loop with several models: one read and one write per lead for all of them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from connector.crm.base import RunTimes
from connector.scoring import ModelSet
from connector.sync import RunHooks, run_sync
from tests.sync.fakes import FakeCrm, FakeModel, fake_score

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
MODELS = ModelSet((FakeModel(source="b2b.toml"), FakeModel(key="enterprise", source="ent.toml")))
PLAIN = {"fit", "engagement", "label", "grade", "reasons", "model", "scored_at"}
KEYED = {f"enterprise_{name}" for name in PLAIN}


def sync(crm, store, models=MODELS, **kw):
    return run_sync(crm, store, models, fake_score, portal="acme", times=RunTimes(NOW, NOW), **kw)


def test_one_write_per_lead_carries_every_models_values(store):
    crm = FakeCrm(12)
    crm.add_events("5", 6)  # engaged enough to move to MQL
    report = sync(crm, store)
    assert Counter(cid for cid, _ in crm.writes) == Counter({str(i): 1 for i in range(1, 13)})
    assert all(PLAIN | KEYED <= set(values) for _, values in crm.writes)
    assert report.stats.written == 12 and report.stats.scored == 12


def test_only_the_model_that_moves_the_stage_writes_it(store):
    crm = FakeCrm(3)
    crm.add_events("2", 6)
    sync(crm, store)
    written = crm.contacts["2"].written
    assert written["stage"] == "marketingqualifiedlead"
    assert not any(name.endswith("_stage") for name in written)


def test_a_second_sync_with_nothing_new_writes_nothing(store):
    crm = FakeCrm(12)
    sync(crm, store)
    crm.writes.clear()
    report = sync(crm, store, full=True)  # full: every lead scored again by both models
    assert crm.writes == [] and report.stats.scored == 12 and report.stats.changed == 0


def test_a_change_in_one_models_values_writes_only_those(store):
    crm = FakeCrm(4)
    sync(crm, store)
    crm.writes.clear()
    crm.contacts["3"].written["enterprise_fit"] = "99"  # someone edited it in the CRM
    sync(crm, store, full=True)
    assert crm.writes == [("3", {"enterprise_fit": "3", "enterprise_scored_at": "2026-03-02T09:30:00.000Z"})]


def test_the_report_counts_labels_by_model_and_keeps_them_with_the_run(store):
    crm = FakeCrm(6)
    crm.add_events("1", 6)
    seen = []
    report = sync(crm, store, hooks=RunHooks(on_result=lambda record, results: seen.append(list(results))))
    assert list(report.tallies) == ["default", "enterprise"]
    assert report.tallies["enterprise"].labels == Counter({"cold": 5, "hot": 1})
    assert report.tallies["enterprise"].label_moves[("none", "hot")] == 1
    assert seen[0] == ["default", "enterprise"]
    [run] = store.runs("acme", 1)
    assert run.stats.labels == {"default": {"hot": 1, "cold": 5}, "enterprise": {"hot": 1, "cold": 5}}


def test_a_dry_run_lists_each_models_changes_with_its_reasons(store):
    crm = FakeCrm(2)
    changes = []
    sync(crm, store, dry_run=True, hooks=RunHooks(on_change=changes.append))
    assert {"fit", "enterprise_fit", "enterprise_label"} <= set(changes[0].new)
    assert changes[0].reasons.splitlines() == ["default: +1 fit hint", "enterprise: +1 fit hint"]
    assert crm.writes == []
