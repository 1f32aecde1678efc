"""End-to-end: the sync against the HubSpot sandbox through the real hubspot-api-client."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

import pytest
from hubspot import HubSpot

from connector.crm.errors import CrmAuthError, CrmScopeError
from connector.errors import UserError
from connector.state import StateStore, default_url
from connector.scoring import load_model
from connector.crm.registry import open_adapter
from connector.sync.loop import RunHooks
from connector.sync.service import sync_once
from tests.sync.hubspot_helpers import (
    NOW, api_writes, batch_updates, contact_ids, crm_state, fast_portal, settings_for,
)

STAGES = ("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity",
          "customer", "evangelist")


@pytest.fixture
def sb():
    with fast_portal(300, 11) as sandbox:
        yield sandbox


@pytest.fixture
def cfg(sb, tmp_path):
    return settings_for(sb, tmp_path)


def test_first_sync_writes_every_contact_once(sb, cfg):
    report = sync_once(cfg, full=True, as_of=NOW)
    ids = contact_ids(sb)
    assert report.stats.written == len(ids) == 300
    for cid in ids:
        [written] = api_writes(sb, cid)
        assert {"leadscore_fit", "leadscore_label", "leadscore_reasons"} <= set(written)
    hot = [cid for cid in ids if sb.contact(cid, ["leadscore_label"])["leadscore_label"] == "hot"]
    assert hot, "a seeded portal has some hot leads"


def test_second_sync_with_nothing_new_writes_nothing(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    updates = batch_updates(sb)
    sb.wait_for_search_index()  # the next run comes minutes later: search has our writes by then
    report = sync_once(cfg, as_of=NOW)
    assert batch_updates(sb) == updates
    assert report.stats.written == 0 and report.stats.scored == 0
    assert report.stats.skipped == 300  # found again only because of our own writes


def test_new_engagement_on_three_contacts_writes_those_three(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    ids = contact_ids(sb)
    coldest = sorted(ids, key=lambda c: int(sb.contact(c, ["leadscore_engagement"])["leadscore_engagement"]))[:3]
    before = {cid: len(api_writes(sb, cid)) for cid in ids}
    for cid in coldest:
        sb.add_engagement(cid, kind="meeting", at=NOW - timedelta(hours=2), outcome="completed")
        sb.add_engagement(cid, kind="email_reply", at=NOW - timedelta(hours=1))
    sb.wait_for_search_index()
    report = sync_once(cfg, as_of=NOW)
    changed = {cid for cid in ids if len(api_writes(sb, cid)) != before[cid]}
    assert changed == set(coldest)
    assert report.stats.written == 3


def test_decay_over_a_month_moves_labels_down_never_up(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    ids = contact_ids(sb)
    before = crm_state(sb, ids)
    report = sync_once(cfg, full=True, as_of=NOW + timedelta(days=30))
    after = crm_state(sb, ids)
    rank = {"hot": 2, "warm": 1, "cold": 0}
    moves = Counter((before[c]["leadscore_label"], after[c]["leadscore_label"]) for c in ids)
    assert sum(n for (old, new), n in moves.items() if rank[new] < rank[old]) > 0
    assert all(int(after[c]["leadscore_engagement"]) <= int(before[c]["leadscore_engagement"]) for c in ids)
    assert report.stats.written > 0


def test_partial_207_batch_is_kept_failed_and_retried_on_the_next_run(sb, tmp_path):
    cfg = settings_for(sb, tmp_path, retry_attempts=12)  # reads: ask again for what a 207 left out
    sb.set_faults("rate_partial=0.6,seed=6")  # a seed whose draws fail some writes
    report = sync_once(cfg, full=True, as_of=NOW)
    store = StateStore.open(default_url(cfg.data_dir))
    failed = {f.lead_id for f in store.failed("test")}
    assert report.stats.failed == len(failed) > 0
    assert all("retry them" in f.reason for f in store.failed("test"))
    assert all(api_writes(sb, cid) == [] for cid in failed)
    sb.set_faults(None)
    checkpoint = store.checkpoint("test")
    retry = sync_once(cfg, as_of=NOW)
    assert store.failed("test") == []
    assert retry.stats.written == len(failed)
    assert checkpoint is not None
    assert all(len(api_writes(sb, cid)) == 1 for cid in failed)
    store.close()


def test_faults_end_in_the_same_crm_state_as_a_clean_run(tmp_path):
    with fast_portal(300, 11) as clean:
        sync_once(settings_for(clean, tmp_path / "clean"), full=True, as_of=NOW)
        expected = crm_state(clean, contact_ids(clean))
    faults = "rate_429=0.15,retry_after=0.05,rate_5xx=0.1,rate_drop=0.05,rate_partial=0.1,seed=9"
    with fast_portal(300, 11, faults=faults) as sb:
        cfg = settings_for(sb, tmp_path / "faulty", retry_attempts=8)
        first = sync_once(cfg, full=True, as_of=NOW)
        sb.set_faults(None)
        second = sync_once(cfg, as_of=NOW)  # retries the records a 207 left failed
        assert first.stats.retries > 0 and first.stats.rate_limited > 0
        assert second.stats.written == first.stats.failed
        assert crm_state(sb, contact_ids(sb)) == expected


def test_lifecycle_stage_never_moves_backwards(sb, cfg):
    ids = contact_ids(sb)
    sb.set_contact(ids[0], {"lifecyclestage": "customer"})
    before = {cid: sb.contact(cid, ["lifecyclestage"])["lifecyclestage"] for cid in ids}
    sync_once(cfg, full=True, as_of=NOW)
    for cid in ids:
        after = sb.contact(cid, ["lifecyclestage"])["lifecyclestage"]
        if before[cid] in STAGES:
            assert STAGES.index(after) >= STAGES.index(before[cid]), cid
        for written in api_writes(sb, cid):
            if "lifecyclestage" in written and before[cid] in STAGES:
                assert STAGES.index(written["lifecyclestage"]) > STAGES.index(before[cid])
    assert sb.contact(ids[0], ["lifecyclestage"])["lifecyclestage"] == "customer"


def test_a_wrong_typed_existing_property_is_a_clear_error_and_is_left_alone(sb, cfg):
    client = HubSpot(access_token=sb.token, host=sb.url)
    client.crm.properties.core_api.create("contacts", {
        "name": "leadscore_fit", "label": "Fit (old)", "type": "string", "fieldType": "text",
        "groupName": "contactinformation"})
    with pytest.raises(UserError) as err:
        sync_once(cfg, full=True, as_of=NOW)
    message = str(err.value)
    assert "'leadscore_fit'" in message and "'string'" in message and "'number'" in message
    assert "LEADSCORE_PROPERTY_PREFIX" in message
    assert client.crm.properties.core_api.get_by_name("contacts", "leadscore_fit").type == "string"
    assert batch_updates(sb) == 0


def test_labels_new_to_an_existing_label_property_are_added_as_options_then_written(sb, cfg):
    client = HubSpot(access_token=sb.token, host=sb.url)
    client.crm.properties.core_api.create("contacts", {
        "name": "leadscore_label", "label": "Label", "type": "enumeration", "fieldType": "select",
        "groupName": "contactinformation", "options": [{"label": "hot", "value": "hot"}]})
    report = sync_once(cfg, full=True, as_of=NOW)
    options = client.crm.properties.core_api.get_by_name("contacts", "leadscore_label").options
    assert [o.value for o in options][0] == "hot"
    assert {"hot", "warm", "cold"} <= {o.value for o in options}
    assert report.stats.failed == 0
    labels = {v["leadscore_label"] for v in crm_state(sb, contact_ids(sb)).values()}
    assert labels <= {"hot", "warm", "cold"} and len(labels) > 1


def test_a_rejected_token_stops_at_once_with_a_message_about_it(sb, tmp_path):
    cfg = settings_for(sb, tmp_path, hubspot_token="pat-na1-00000000-wrong")
    with pytest.raises(CrmAuthError, match="LEADSCORE_HUBSPOT_TOKEN"):
        sync_once(cfg, full=True, as_of=NOW)
    assert len(sb.requests()) == 1


def test_a_missing_scope_is_named(sb, tmp_path):
    sb.add_token("pat-na1-readonly-0000", scopes=["crm.objects.contacts.read", "crm.schemas.contacts.read"])
    cfg = settings_for(sb, tmp_path, hubspot_token="pat-na1-readonly-0000")
    with pytest.raises(CrmScopeError, match="crm.schemas.contacts.write"):
        sync_once(cfg, full=True, as_of=NOW)


def test_token_is_absent_from_logs_captured_at_debug(sb, tmp_path, caplog):
    cfg = settings_for(sb, tmp_path)
    adapter = open_adapter(cfg, load_model(cfg.model_path))
    # hubspot-api-client quiets urllib3 and itself to WARNING when a client is made: undo that,
    # so that everything they could log at DEBUG is captured too.
    for name in list(logging.root.manager.loggerDict):
        if name.startswith(("urllib3", "hubspot", "connector")):
            logging.getLogger(name).setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    sync_once(cfg, full=True, as_of=NOW, adapter=adapter)
    with pytest.raises(CrmAuthError) as err:
        sync_once(settings_for(sb, tmp_path, hubspot_token="pat-na1-not-the-right-one"), as_of=NOW)
    debug = [r for r in caplog.records if r.levelno == logging.DEBUG]
    assert len(debug) > 20 and any(r.name.startswith("urllib3") for r in debug)
    assert sb.token not in caplog.text
    assert "pat-na1-not-the-right-one" not in caplog.text + str(err.value)


def test_dry_run_writes_nothing_and_lists_every_change(sb, cfg):
    changes = []
    report = sync_once(cfg, full=True, dry_run=True, as_of=NOW, hooks=RunHooks(on_change=changes.append))
    assert batch_updates(sb) == 0
    assert not any(m == "POST" and "/properties/" in p for m, p, _ in sb.requests())
    assert len(changes) == report.stats.changed == 300
    assert sum(n for (old, _), n in report.label_moves.items() if old == "none") == 300
    store = StateStore.open(default_url(cfg.data_dir))
    assert store.checkpoint("test") is None
    store.close()


def test_web_events_detail_page_views_so_url_rules_apply(tmp_path):
    with fast_portal(30, 11) as sb:
        _web_events_scenario(sb, tmp_path)


def _web_events_scenario(sb, tmp_path):
    cid = contact_ids(sb)[0]
    for hours in (3, 2, 1):
        sb.add_engagement(cid, kind="page_view", at=NOW - timedelta(hours=hours),
                          url="https://www.example-saas.com/pricing", title="Pricing")
    without = settings_for(sb, tmp_path / "counters")
    sync_once(without, full=True, dry_run=True, as_of=NOW,
              hooks=RunHooks(on_change=lambda c: c.lead_id == cid and seen.update(counters=c.reasons)))
    sync_once(settings_for(sb, tmp_path / "events", hubspot_web_events=True), full=True, as_of=NOW)
    assert "visited the pricing page" not in seen["counters"]
    assert "visited the pricing page" in sb.contact(cid, ["leadscore_reasons"])["leadscore_reasons"]
    assert any(p.startswith("/events/v3/events") for _, p, _ in sb.requests())


seen: dict[str, str] = {}



def test_a_run_that_finds_only_our_own_writes_still_saves_its_progress(sb, cfg, monkeypatch):
    import json

    from connector.crm.hubspot import adapter, reader

    sync_once(cfg, full=True, as_of=NOW)
    sb.wait_for_search_index()
    monkeypatch.setattr(reader, "SEARCH_LIMIT", 50)  # pages of 50; a page of contacts is 250
    monkeypatch.setattr(adapter, "PAGE_CONTACTS", 250)
    saved = []
    original = StateStore.save_checkpoint

    def save(self, portal, value, *args, **kwargs):
        saved.append((portal, value))
        return original(self, portal, value, *args, **kwargs)

    monkeypatch.setattr(StateStore, "save_checkpoint", save)
    report = sync_once(cfg, as_of=NOW)
    assert report.stats.skipped == 300 and report.stats.scored == 0
    passes = [json.loads(v)["pass"] for p, v in saved if not p.endswith("#accounts")]
    assert any(p and p["phase"] == "contacts" and p["after"] == 250 for p in passes)
