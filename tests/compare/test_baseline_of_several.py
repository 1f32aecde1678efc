"""compare's baseline for a portal last synced with several models: the one keyed as the
candidate is, from the model text kept in the state store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connector.commands.compare import _baseline
from connector.errors import UserError
from connector.scoring import load_models, parse_model
from connector.settings import Settings
from connector.state import StateStore, default_url
from connector.sync.fingerprint import stamp_of
from tests.sync.test_fingerprint_models import _copy_models, _spec


def test_compare_takes_as_baseline_the_last_synced_model_with_the_candidates_key(tmp_path):
    default, enterprise = _copy_models(tmp_path)
    several = stamp_of(load_models(_spec(default, enterprise)))
    cfg = Settings(_env_file=None, data_dir=tmp_path / "data", portal="acme")
    with StateStore.open(default_url(cfg.data_dir)) as store:
        store.save_model(cfg.crm, cfg.portal, several.fingerprint, several.text, datetime.now(UTC))
    baseline, chosen = _baseline(None, cfg, load_models(str(enterprise)).first)
    assert baseline.key == "enterprise" and chosen == "the model keyed 'enterprise' portal 'acme' was last synced with"
    unkeyed = parse_model(default.read_text().replace('name = "b2b-saas-default"', 'name = "other"'), "x.toml")
    assert _baseline(None, cfg, unkeyed)[0].name == "b2b-saas-default"


def test_compare_asks_for_a_baseline_when_no_last_synced_model_has_the_candidates_key(tmp_path):
    default, enterprise = _copy_models(tmp_path)
    several = stamp_of(load_models(_spec(default, enterprise)))
    cfg = Settings(_env_file=None, data_dir=tmp_path / "data", portal="acme")
    with StateStore.open(default_url(cfg.data_dir)) as store:
        store.save_model(cfg.crm, cfg.portal, several.fingerprint, several.text, datetime.now(UTC))
    smb = parse_model(enterprise.read_text().replace('key = "enterprise"', 'key = "smb"'), "smb.toml")
    with pytest.raises(UserError) as caught:
        _baseline(None, cfg, smb)
    assert "none keyed 'smb'" in str(caught.value) and "fix: name the baseline with --baseline" in str(caught.value)
