"""A CRM whose adapter cannot score accounts still syncs its contacts under the default model
(which has an [account] section), and says so once."""

from __future__ import annotations

import logging

from connector.settings import Settings
from connector.sync.service import sync_once
from tests.sync.fakes import FakeCrm
from tests.sync.hubspot_helpers import MODEL


def test_an_adapter_without_accounts_scores_contacts_only_and_says_so(tmp_path, caplog):
    cfg = Settings(_env_file=None, data_dir=tmp_path / "data", model_path=MODEL, portal="fake", full_rescore_hours=0)
    with caplog.at_level(logging.WARNING, logger="connector.sync.service"):
        report = sync_once(cfg, full=True, adapter=FakeCrm(3))
    assert report.stats.written == 3 and report.accounts is None
    [warning] = [r.getMessage() for r in caplog.records if "scoring contacts only" in r.getMessage()]
    assert "cannot score companies (accounts)" in warning
