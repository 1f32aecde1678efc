"""The sync against a sandbox whose search index trails writes, as HubSpot's does (on by default in
the sandbox, DEFAULT_SEARCH_LAG_SECONDS): what one run cannot see yet, the next run scores, and our
own writes are recognised however late search shows them."""

from __future__ import annotations

import pytest

from connector.sandbox.hubspot.sandbox import DEFAULT_SEARCH_LAG_SECONDS
from connector.sync.service import sync_once
from tests.sync.hubspot_helpers import NOW, api_writes, fast_portal, settings_for

DISQUALIFIED = "lead status says disqualified"


@pytest.fixture
def sb():
    with fast_portal(120, 11) as sandbox:
        assert sandbox.server.portal.search_lag() == DEFAULT_SEARCH_LAG_SECONDS > 0
        yield sandbox


@pytest.fixture
def cfg(sb, tmp_path):
    return settings_for(sb, tmp_path)


def _qualified(sb, count: int) -> list[str]:
    """Contacts whose lead status does not already disqualify them."""
    ids = [str(i) for i in range(1, 121)]
    return [c for c in ids if sb.contact(c, ["hs_lead_status"])["hs_lead_status"] not in ("UNQUALIFIED", "BAD_TIMING")][:count]


def _reasons(sb, cid: str) -> str:
    return sb.contact(cid, ["leadscore_reasons"])["leadscore_reasons"] or ""


def test_a_contact_changed_just_before_a_run_is_scored_by_the_next_run(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    sb.wait_for_search_index()
    [cid] = _qualified(sb, 1)
    sb.set_contact(cid, {"hs_lead_status": "UNQUALIFIED"})
    sync_once(cfg, as_of=NOW)  # search may not show the change yet
    sb.wait_for_search_index()
    sync_once(cfg, as_of=NOW)
    assert DISQUALIFIED in _reasons(sb, cid)


def test_a_contact_changed_during_a_run_is_scored_by_the_next_run(sb, cfg):
    sync_once(cfg, full=True, as_of=NOW)
    sb.wait_for_search_index()
    first, second = _qualified(sb, 2)
    sb.set_contact(first, {"jobtitle": "VP Sales"})  # something for the run to do
    sb.wait_for_search_index()
    portal, handle = sb.server.portal, sb.server.portal.handle
    edited = []

    def edit_once_the_run_writes(method, path, *args, **kwargs):
        if path.endswith("/contacts/batch/update") and not edited:
            sb.set_contact(second, {"hs_lead_status": "UNQUALIFIED"})
            edited.append(second)
        return handle(method, path, *args, **kwargs)

    portal.handle = edit_once_the_run_writes
    report = sync_once(cfg, as_of=NOW)
    portal.handle = handle
    assert edited == [second] and report.stats.written >= 1
    assert DISQUALIFIED not in _reasons(sb, second)
    sb.wait_for_search_index()
    sync_once(cfg, as_of=NOW)
    assert DISQUALIFIED in _reasons(sb, second)


def test_our_own_writes_are_recognised_whenever_search_shows_them(sb, cfg):
    first = sync_once(cfg, full=True, as_of=NOW)
    writes = {c: len(api_writes(sb, c)) for c in map(str, range(1, 121))}
    soon = sync_once(cfg, as_of=NOW)  # the index may still hold the records as they were
    sb.wait_for_search_index()
    later = sync_once(cfg, as_of=NOW)
    assert first.stats.written == 120
    assert soon.stats.written == later.stats.written == 0
    assert later.stats.skipped == 120
    assert {c: len(api_writes(sb, c)) for c in writes} == writes
