"""Which score changes are a transition (hot, MQL), and a CRM that cannot make tasks."""

from __future__ import annotations

import pytest

from connector.errors import UserError
from connector.notify.tasks import MQL, turned
from connector.crm.base import RunTimes
from connector.scoring import ModelSet
from connector.settings import Settings
from connector.state import StateStore, default_url
from connector.scoring import load_model
from connector.scoring.types import ScoreResult
from connector.sync.service import notifiers
from tests.sync.fakes import FakeCrm
from tests.sync.hubspot_helpers import NOW

MODEL = load_model()


def result(label: str, stage: str | None = None) -> ScoreResult:
    return ScoreResult(lead_id="1", fit=70, engagement=60, label=label, grade="B2", stage=stage,
                       reasons=(), warnings=(), model_name="m", model_version="1")


def test_turning_hot_is_moving_to_the_models_top_label_from_another():
    assert turned("hot", MODEL, result("hot"), None, "warm")
    assert turned("hot", MODEL, result("hot"), None, None)  # never scored before
    assert not turned("hot", MODEL, result("hot"), None, "hot")
    assert not turned("hot", MODEL, result("warm"), None, "hot")


def test_entering_mql_is_the_stage_about_to_be_written():
    assert turned("mql", MODEL, result("warm", MQL), MQL, "warm")
    assert not turned("mql", MODEL, result("hot", MQL), None, "hot")  # already MQL: nothing written


def test_owner_tasks_with_a_crm_that_cannot_make_them_stop_at_start_saying_what_to_do(tmp_path):
    cfg = Settings(_env_file=None, data_dir=tmp_path, owner_tasks="hot")
    with StateStore.open(default_url(tmp_path)) as store:
        with pytest.raises(UserError, match="cannot create tasks for lead owners.*LEADSCORE_OWNER_TASKS=off"):
            notifiers(cfg, FakeCrm(), store, ModelSet.of(MODEL), RunTimes(NOW, NOW), False)
