"""`backtest --from-crm` and `fit --from-crm` against the Salesforce sandbox: a converted Lead is
the outcome, scored as of its conversion day with the activity its Contact inherited and its
fields as LeadHistory says they were; a fit from one org beats the default model on another."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest

from connector.backtest.crm import history_from_crm
from connector.backtest.fit import FitOptions
from connector.backtest.learn import learn
from connector.backtest.runner import run_backtest
from connector.crm.registry import open_adapter
from connector.crm.salesforce.mapping import parse_datetime
from connector.sandbox.salesforce import SalesforceSandbox
from connector.scoring import load_model
from connector.settings import Settings
from tests.sync.hubspot_helpers import ANCHOR, MODEL, NOW

DEFAULT = load_model(MODEL)
PROPERTIES = sorted({plan.property for plan in DEFAULT.fit_plan})


def _history(org, tmp_path_factory):
    cfg = Settings(_env_file=None, **{**org.settings(), "data_dir": tmp_path_factory.mktemp("data"), "portal": "t"})
    adapter = open_adapter(cfg, DEFAULT)
    try:
        return history_from_crm(adapter, PROPERTIES, now=NOW), adapter.api_usage(), adapter.fewest_calls()
    finally:
        adapter.close()


@pytest.fixture(scope="module")
def org():
    with SalesforceSandbox.start(people=1500, seed=21, anchor=ANCHOR) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def read(org, tmp_path_factory):
    return _history(org, tmp_path_factory)


@pytest.fixture(scope="module")
def history(read):
    return read[0]


def _lead(org, lead_id):
    return org.store.get("Lead", lead_id)


def test_a_converted_lead_is_the_outcome_scored_as_of_its_conversion_day(org, history):
    converted = [x for x in history.leads if x.outcome]
    assert converted and len(converted) < len(history.leads)
    for item in converted:
        row = _lead(org, item.lead.id)
        assert row["IsConverted"] and item.as_of == parse_datetime(row["ConvertedDate"])
    assert all(not _lead(org, x.lead.id)["IsConverted"] for x in history.leads if not x.outcome)


def test_a_converted_lead_keeps_the_activity_it_had_before_converting(org, history):
    converted = [x for x in history.leads if x.outcome]
    assert sum(1 for x in converted if any(e.type == "meeting_held" for e in x.lead.events)) > 0
    assert all(e.timestamp is None or e.timestamp <= x.as_of for x in converted for e in x.lead.events)


def test_the_status_is_read_as_it_was_before_converting(org, history):
    converted = [x for x in history.leads if x.outcome]
    assert all(_lead(org, x.lead.id)["Status"] == "Closed - Converted" for x in converted)
    assert {x.lead.properties["hs_lead_status"] for x in converted} <= {"Open - Not Contacted", "Working - Contacted"}


def test_fields_without_history_are_named_as_possibly_leaky(history):
    [warning] = [w for w in history.warnings if "no past values" in w]
    assert "jobtitle" in warning and "--exclude" in warning and "hs_lead_status" not in warning


def test_the_read_costs_about_the_fewest_calls_salesforce_allows(read):
    _, usage, floor = read
    assert sum(usage.calls.values()) <= floor + 2


def test_fitted_from_the_org_beats_the_default_model_on_another_org(history, tmp_path_factory):
    learned = learn(history, NOW, FitOptions(folds=3), "from-salesforce", current=DEFAULT)
    with SalesforceSandbox.start(people=1500, seed=22, anchor=ANCHOR) as other:
        unseen = _history(other, tmp_path_factory)[0]
    fitted = run_backtest(unseen, learned.model, NOW, explicit_cutoff=False).summary["auc"]
    default = run_backtest(unseen, DEFAULT, NOW, explicit_cutoff=False).summary["auc"]
    assert fitted > default + 0.05


def test_backtest_from_crm_on_salesforce_on_the_command_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADSCORE_")}
    with SalesforceSandbox.start(people=200, seed=5, anchor=ANCHOR) as org:
        env.update({"LEADSCORE_" + k.upper(): str(v) for k, v in org.settings().items()})
        env.update(LEADSCORE_DATA_DIR=str(tmp_path))
        run = subprocess.run([sys.executable, "-m", "connector", "backtest", "--from-crm", "--model", str(MODEL),
                              "--format", "json", "--as-of", (ANCHOR + timedelta(hours=12)).isoformat()],
                             capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
        secret = org.settings()["salesforce_client_secret"]
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["leads"] == 200 and 0 < result["conversions"] < 200
    assert "Salesforce API calls:" in run.stderr
    assert secret not in run.stdout + run.stderr
