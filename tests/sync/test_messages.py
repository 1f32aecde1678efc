"""Messages that say what happened and what to do: an unreachable CRM names its address and
setting, the first run says why it rescores everybody, progress lines count as the summary does."""

from __future__ import annotations

import logging
import socket

import pytest

from connector.crm.errors import CrmUnavailable
from connector.sandbox.hubspot import HubSpotSandbox
from connector.settings import Settings
from connector.sync.service import sync_once
from tests.sync.hubspot_helpers import ANCHOR, MODEL, NOW, fast_portal, settings_for


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_hubspot_names_the_address_and_the_setting(tmp_path):
    port = closed_port()
    cfg = Settings(_env_file=None, crm="hubspot", hubspot_url=f"http://127.0.0.1:{port}",
                   hubspot_token="pat-na1-00000000-0000-0000-0000-000000000000",
                   data_dir=tmp_path, model_path=MODEL, retry_attempts=2,
                   retry_max_wait_seconds=0.05)
    with pytest.raises(CrmUnavailable) as err:
        sync_once(cfg, as_of=NOW)
    message = str(err.value)
    assert f"127.0.0.1:{port}" in message and "LEADSCORE_HUBSPOT_URL" in message
    assert "MaxRetryError" not in message


def test_the_first_run_says_no_full_rescore_has_finished_yet(tmp_path, caplog):
    with HubSpotSandbox.start(contacts=20, seed=3, anchor=ANCHOR) as sb:
        cfg = settings_for(sb, tmp_path, full_rescore_hours=24)
        with caplog.at_level(logging.INFO, logger="connector.sync"):
            sync_once(cfg, as_of=NOW)
    lines = [r.getMessage() for r in caplog.records]
    assert any("no full rescore of portal 'test' has finished yet" in line for line in lines)
    assert not any("older than" in line for line in lines)


def test_progress_lines_count_leads_read_and_those_unchanged_since_our_write_apart(tmp_path, caplog):
    # Search without lag, so that the next run finds our own writes at once and skips them.
    with fast_portal(30, 3, search_lag_seconds=0) as sb:
        cfg = settings_for(sb, tmp_path)
        sync_once(cfg, full=True, as_of=NOW)
        with caplog.at_level(logging.INFO, logger="connector.sync.loop"):
            report = sync_once(cfg, as_of=NOW)
    assert report.stats.read == 0 and report.stats.skipped == 30
    progress = [r.getMessage() for r in caplog.records if r.getMessage().startswith("page done")]
    assert progress and all("0 read" in line and "30 unchanged since our write" in line
                            for line in progress[-1:])
