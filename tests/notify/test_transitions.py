"""Which score changes are a transition (hot, MQL), and a CRM that cannot make tasks."""

from __future__ import annotations

import pytest

from connector.errors import UserError
from connector.notify.tasks import MQL, turned
from connector.sandbox.salesforce import SalesforceSandbox
from connector.scoring import load_model
from connector.scoring.types import ScoreResult
from connector.sync.service import sync_once
from tests.sync.salesforce_helpers import ANCHOR, NOW, Clock, settings_for, write_calls

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


def test_owner_tasks_on_salesforce_stop_at_start_saying_what_to_do(tmp_path):
    with SalesforceSandbox.start(people=20, seed=3, anchor=ANCHOR, clock=Clock(NOW)) as sb:
        cfg = settings_for(sb, tmp_path, owner_tasks="hot")
        with pytest.raises(UserError, match="cannot create tasks for lead owners.*LEADSCORE_OWNER_TASKS=off"):
            sync_once(cfg, full=True, as_of=NOW)
        assert write_calls(sb) == 0
