"""A CRM whose adapter cannot score accounts still syncs its contacts under the default model
(which has an [account] section), and says so once."""

from __future__ import annotations

import logging

import pytest

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


def test_salesforce_scores_no_accounts_without_contacts_and_names_the_setting():
    """An Account's engagement is its Contacts' scores: with Contacts unscored it would roll up
    nothing, so the adapter says so (and the sync scores Leads only, as above)."""
    from connector.crm.base import Lacking
    from connector.crm.salesforce.adapter import SalesforceAdapter
    from connector.crm.salesforce.mapping import MappingConfig
    from connector.scoring import load_model

    config = MappingConfig.from_settings(Settings(_env_file=None))
    adapter = SalesforceAdapter(None, config, include_contacts=False, model=load_model(MODEL))
    with pytest.raises(Lacking) as caught:
        adapter.accounts()
    assert "fix: set LEADSCORE_SALESFORCE_INCLUDE_CONTACTS=true" in str(caught.value)
