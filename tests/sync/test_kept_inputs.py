"""The nightly rescore from kept scoring inputs, against the HubSpot sandbox: the same scores on
every contact as a full re-read, no reads when only decay changed, a re-read when the model
changes or the kept inputs are too old."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from connector.scoring import load_model
from connector.state import StateStore, default_url
from connector.sync.loop import RunHooks
from connector.sync.service import sync_once
from tests.sync.hubspot_helpers import MODEL, NOW, ROOT, batch_updates, contact_ids, fast_portal, settings_for

LATER = NOW + timedelta(days=21)  # three weeks of decay
ENTERPRISE = ROOT / "config" / "models" / "enterprise.toml"


@pytest.fixture
def sb():
    with fast_portal(300, 23) as sandbox:
        yield sandbox


@pytest.fixture
def cfg(sb, tmp_path):
    """The default model without its [account] section: kept inputs are the contacts'; the
    account pass, which reads the companies it rescores, is tested on its own."""
    text = MODEL.read_text()
    contacts_only = tmp_path / "contacts-only.toml"
    contacts_only.write_text(text[:text.index("\n[account]\n")] + "\n")
    return settings_for(sb, tmp_path, model_path=contacts_only)


def scores_of(cfg, **kwargs) -> tuple[dict, object]:
    """Every scored lead's written-facing result, by id, and the run's report."""
    seen: dict[str, tuple] = {}

    def keep(record, results):
        result = results["default"]  # the one model, without a key
        seen[record.lead.id] = (result.fit, result.engagement, result.label, result.grade,
                                result.stage, tuple((r.rule, r.points, r.text) for r in result.reasons))

    report = sync_once(cfg, hooks=RunHooks(on_result=keep), **kwargs)
    return seen, report


def reads(report) -> dict[str, int]:
    """The run's calls that read contacts or engagement (not searches, not writes)."""
    return {k: v for k, v in report.usage.calls.items()
            if "batch/read" in k or "associations" in k}


def test_after_a_rescore_from_kept_inputs_every_contact_has_the_scores_a_full_re_read_gives(sb, cfg, tmp_path):
    sync_once(cfg, full=True, as_of=NOW)
    ids = contact_ids(sb)
    decayed: list[str] = []
    sync_once(cfg, full=True, dry_run=True, as_of=LATER,
              hooks=RunHooks(on_change=lambda change: decayed.append(change.lead_id)))
    # Changed just before the nightly: search does not show them yet, so the nightly's own
    # incremental pass misses them and rescores them from their kept (old) inputs; the first
    # is one the nightly writes (decay moved it), so its write hides the person's change.
    sb.set_contact(decayed[0], {"jobtitle": "VP Sales"})
    sb.add_engagement(ids[1], kind="meeting", at=NOW - timedelta(hours=3), outcome="completed")
    nightly = sync_once(cfg, full=True, as_of=LATER)
    assert nightly.mode == "full" and nightly.stats.written > 0 and reads(nightly) == {}
    sb.wait_for_search_index()
    sync_once(cfg, as_of=LATER)  # the next incremental pass is not fooled by the nightly's writes
    kept, _ = scores_of(cfg, full=True, dry_run=True, as_of=LATER)  # from the kept inputs
    reread_cfg = settings_for(sb, tmp_path, full_reread_days=0, model_path=cfg.model_path)
    fresh, check = scores_of(reread_cfg, full=True, dry_run=True, as_of=LATER)
    assert reads(check), "the check itself read every contact from the CRM"
    assert set(kept) == set(fresh) == set(ids)
    assert kept == fresh
    assert check.stats.changed == 0, "the CRM holds what a full re-read would write"


def test_contacts_written_from_kept_inputs_are_read_again_by_the_next_incremental_pass(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    sb.wait_for_search_index()
    nightly = sync_once(cfg, full=True, as_of=LATER)
    sb.wait_for_search_index()
    after = sync_once(cfg, as_of=LATER)
    assert after.stats.scored == nightly.stats.written and after.stats.written == 0


def test_a_decay_only_rescore_reads_nothing_and_writes_only_the_changed_contacts(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    sb.wait_for_search_index()  # else search shows stale stamps, and those contacts are read
    updates = batch_updates(sb)
    report = sync_once(cfg, full=True, as_of=LATER)
    assert reads(report) == {}
    assert report.stats.scored == 300
    assert 0 < report.stats.changed < 300
    assert report.stats.written == report.stats.changed
    assert batch_updates(sb) - updates == -(-report.stats.changed // 100)


def test_kept_inputs_hold_only_what_the_model_reads(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    model = load_model(MODEL)
    fit_reads = {plan.property for plan in model.fit_plan}
    with StateStore.open(default_url(cfg.data_dir)) as store:
        [page] = list(store.iter_inputs("test", page=300))
    assert len(page) == 300
    for row in page:
        data = json.loads(row.inputs)
        assert set(data["p"]) <= fit_reads
        for kind, _at, attributes, _count in data["e"]:
            assert set(attributes) <= set(model.event_plans[kind].attributes)
    assert not {"firstname", "lastname", "phone"} & fit_reads, "the default model reads no names"
    emails = [json.loads(row.inputs)["p"].get("email") for row in page]
    assert any(emails) and all(e.startswith("@") for e in emails if e), \
        "the default model reads email by its domain only: the rest of the address is not kept"


def test_a_changed_model_reads_every_contact_again(sb, cfg, tmp_path):
    sync_once(cfg, full=True, as_of=NOW)
    other = tmp_path / "scoring.toml"
    other.write_text(cfg.model_path.read_text().replace("\n", "\n# a comment revops added\n", 1))
    report = sync_once(settings_for(sb, tmp_path, model_path=other), full=True, as_of=LATER)
    assert reads(report)
    sb.wait_for_search_index()
    again = sync_once(settings_for(sb, tmp_path, model_path=other), full=True, as_of=LATER)
    assert reads(again) == {}, "the re-read kept the new model's inputs"


def test_turning_web_events_on_reads_every_contact_again(sb, cfg, tmp_path):
    sync_once(cfg, full=True, as_of=NOW)
    with_events = settings_for(sb, tmp_path, hubspot_web_events=True, model_path=cfg.model_path)
    report = sync_once(with_events, full=True, as_of=LATER)
    assert reads(report), "inputs kept without page views are not this run's inputs"


def test_kept_inputs_older_than_the_reread_days_are_read_again(sb, cfg, tmp_path):
    sync_once(cfg, full=True, as_of=NOW)
    report = sync_once(settings_for(sb, tmp_path, full_reread_days=0, model_path=cfg.model_path),
                       full=True, as_of=LATER)
    assert reads(report)


def test_a_lead_written_from_kept_inputs_keeps_its_new_values_for_the_next_night(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    sync_once(cfg, full=True, as_of=LATER)
    sb.wait_for_search_index()
    sync_once(cfg, as_of=LATER)
    sb.wait_for_search_index()
    again = sync_once(cfg, full=True, as_of=LATER)
    assert reads(again) == {} and again.stats.written == 0


CITY_RULE = """
[[fit]]
id = "city_known"
property = "city"
op = "is_set"
points = 5
reason = "city known: {value}"
"""


def test_with_two_models_the_kept_inputs_serve_both_and_match_a_full_re_read(sb, cfg, tmp_path):
    """One lead's kept inputs hold what either model reads (here the enterprise model reads the
    city, which the default does not): the nightly reads no contact and leaves every contact
    with both models' scores a full re-read gives."""
    enterprise = tmp_path / "enterprise.toml"
    enterprise.write_text(ENTERPRISE.read_text() + CITY_RULE)
    two = settings_for(sb, tmp_path, model_path=f"{cfg.model_path}, {enterprise}")
    sync_once(two, full=True, as_of=NOW)
    sb.wait_for_search_index()
    nightly = sync_once(two, full=True, as_of=LATER)
    assert nightly.mode == "full" and reads(nightly) == {} and nightly.stats.written > 0
    seen: dict[str, dict] = {}

    def keep(record, results):
        seen[record.lead.id] = {key: (r.fit, r.engagement, r.label, r.grade, r.stage) for key, r in results.items()}

    reread = settings_for(sb, tmp_path / "reread", full_reread_days=0, model_path=two.model_path)
    check = sync_once(reread, full=True, dry_run=True, as_of=LATER, hooks=RunHooks(on_result=keep))
    assert set(seen) == set(contact_ids(sb)) and {k for v in seen.values() for k in v} == {"default", "enterprise"}
    assert check.stats.changed == 0, "the CRM holds what a full re-read of both models would write"
