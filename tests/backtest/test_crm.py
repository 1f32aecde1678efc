"""`backtest --from-crm` against the HubSpot sandbox: outcomes from lifecycle stages, each converted
lead scored as of the day it entered an outcome stage."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInput, SimplePublicObjectBatchInput

from connector.backtest.crm import OUTCOME_STAGES, history_from_crm
from connector.crm.hubspot.history import value_as_of
from connector.backtest.runner import run_backtest
from connector.scoring import load_model, score_lead
from connector.scoring.leadfile import parse_timestamp
from connector.settings import Settings
from connector.crm.registry import open_adapter
from tests.sync.hubspot_helpers import FAST, MODEL, NOW, contact_ids, fast_portal


@pytest.fixture(scope="module")
def sb():
    with fast_portal(200, 11) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def crm_history(sb, tmp_path_factory):
    cfg = Settings(_env_file=None, crm="hubspot", hubspot_url=sb.url, hubspot_token=sb.token,
                   data_dir=tmp_path_factory.mktemp("data"), portal="test", **FAST)
    model = load_model(MODEL)
    return history_from_crm(open_adapter(cfg, model), sorted({plan.property for plan in model.fit_plan}), now=NOW)


def test_outcome_is_reaching_an_outcome_stage(sb, crm_history):
    stages = {cid: sb.contact(cid, ["lifecyclestage"])["lifecyclestage"] for cid in contact_ids(sb)}
    assert {x.lead.id: x.outcome for x in crm_history.leads} == {cid: int(s in OUTCOME_STAGES) for cid, s in stages.items()}
    assert 0 < sum(crm_history.outcomes) < len(crm_history.leads)


def test_the_stage_and_its_dates_are_hidden(crm_history):
    for item in crm_history.leads:
        assert "lifecyclestage" not in item.lead.properties
        assert not any(name.startswith("hs_lifecyclestage_") for name in item.lead.properties)


def test_converted_leads_are_cut_off_when_they_entered_an_outcome_stage(sb, crm_history):
    for item in (x for x in crm_history.leads if x.outcome):
        stage = sb.contact(item.lead.id, ["lifecyclestage"])["lifecyclestage"]
        entered = sb.contact(item.lead.id, [f"hs_lifecyclestage_{stage}_date"])[f"hs_lifecyclestage_{stage}_date"]
        assert item.as_of <= parse_timestamp(entered)


def test_leads_that_did_not_convert_are_cut_off_at_a_converters_age(sb, crm_history):
    converters = [x for x in crm_history.leads if x.outcome]
    created = {x.lead.id: parse_timestamp(sb.contact(x.lead.id, ["createdate"])["createdate"]) for x in crm_history.leads}
    ages = {x.as_of - created[x.lead.id] for x in converters}
    for item in (x for x in crm_history.leads if not x.outcome):
        assert item.as_of == NOW or item.as_of - created[item.lead.id] in ages
    assert any(x.as_of < NOW for x in crm_history.leads if not x.outcome)


def test_an_event_after_the_cutoff_never_counts(sb, crm_history):
    model = load_model(MODEL)
    def last_sales_activity(cid):
        return parse_timestamp(sb.contact(cid, ["hs_last_sales_activity_timestamp"]).get("hs_last_sales_activity_timestamp"))
    later = [x for x in crm_history.leads if x.outcome and (last_sales_activity(x.lead.id) or x.as_of) > x.as_of]
    assert later, "the seeded portal has converted contacts with activity after converting"
    result = run_backtest(crm_history, model, NOW, explicit_cutoff=False)
    scored = {s.lead_id: s for s in result.scored}
    for item in later:
        assert all(e.timestamp <= item.as_of for e in item.lead.events)
        expected = score_lead(item.lead, model, item.as_of)
        assert (scored[item.lead.id].fit, scored[item.lead.id].engagement) == (expected.fit, expected.engagement)


def test_backtest_from_crm_on_the_command_line(sb, tmp_path):
    env = {**os.environ, "LEADSCORE_CRM": "hubspot", "LEADSCORE_HUBSPOT_URL": sb.url, "LEADSCORE_HUBSPOT_TOKEN": sb.token,
           "LEADSCORE_DATA_DIR": str(tmp_path), "LEADSCORE_HUBSPOT_RATE_LIMIT_PER_10S": "5000",
           "LEADSCORE_HUBSPOT_SEARCH_PER_SECOND": "500"}
    run = subprocess.run([sys.executable, "-m", "connector", "backtest", "--from-crm", "--model", str(MODEL), "--format", "json"],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["leads"] == 200
    assert set(result["conversion_by_label"]) <= {"hot", "warm", "cold"}
    assert sb.token not in run.stdout + run.stderr


def test_from_crm_and_a_leads_file_are_one_or_the_other(tmp_path):
    run = subprocess.run([sys.executable, "-m", "connector", "backtest", "--from-crm", "--leads", "x.csv", "--model", str(MODEL)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 1
    assert "backtest needs exactly one source" in run.stderr


def test_value_as_of_takes_the_latest_value_set_before_the_cutoff():
    history = [
        {"value": "VP Sales", "timestamp": "2026-03-01T00:00:00Z"},
        {"value": "Sales Manager", "timestamp": "2026-01-01T00:00:00Z"},
    ]
    assert value_as_of(history, datetime(2026, 2, 1, tzinfo=UTC)) == "Sales Manager"
    assert value_as_of(history, datetime(2026, 3, 1, 0, 0, 1, tzinfo=UTC)) == "VP Sales"


def test_a_value_set_at_the_moment_of_converting_does_not_count():
    history = [{"value": "", "timestamp": "2026-03-01T00:00:00Z"}, {"value": "OPEN", "timestamp": "2026-01-01T00:00:00Z"}]
    assert value_as_of(history, datetime(2026, 3, 1, tzinfo=UTC)) == "OPEN"
    assert value_as_of(history, datetime(2025, 12, 1, tzinfo=UTC)) is None


def test_the_lead_status_a_conversion_cleared_is_read_as_it_was_before(sb, crm_history):
    customers = [x for x in crm_history.leads if sb.contact(x.lead.id, ["lifecyclestage"])["lifecyclestage"] == "customer"]
    assert customers and all(sb.contact(x.lead.id, ["hs_lead_status"]).get("hs_lead_status") in (None, "") for x in customers)
    assert all(x.lead.properties["hs_lead_status"] for x in customers)


def test_marketing_totals_are_the_totals_the_lead_had_then(sb, crm_history):
    item = next(x for x in crm_history.leads if x.outcome and x.as_of < NOW - timedelta(days=2)
                and int(sb.contact(x.lead.id, ["hs_analytics_num_page_views"]).get("hs_analytics_num_page_views") or 0))
    now_total = int(sb.contact(item.lead.id, ["hs_analytics_num_page_views"])["hs_analytics_num_page_views"])
    then_total = sum(e.count for e in item.lead.events if e.type == "page_view")
    assert then_total < now_total


def test_a_property_changed_after_converting_is_read_as_it_was(tmp_path):
    with fast_portal(60, 5) as sb:
        cfg = Settings(_env_file=None, crm="hubspot", hubspot_url=sb.url, hubspot_token=sb.token,
                       data_dir=tmp_path, portal="test", **FAST)
        model = load_model(MODEL)
        converted = next(cid for cid in contact_ids(sb) if sb.contact(cid, ["lifecyclestage"])["lifecyclestage"] == "customer")
        before = sb.contact(converted, ["jobtitle"])["jobtitle"]
        change = SimplePublicObjectBatchInput(id=converted, properties={"jobtitle": "Chief Revenue Officer"})
        HubSpot(access_token=sb.token, host=sb.url).crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(inputs=[change]))
        history = history_from_crm(open_adapter(cfg, model), ["jobtitle"], now=NOW)
    (item,) = [x for x in history.leads if x.lead.id == converted]
    assert item.lead.properties["jobtitle"] == before != "Chief Revenue Officer"
