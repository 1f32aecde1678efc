from connector.observability import metrics
from connector.observability.context import run_context


def value(name, **labels):
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def test_api_calls_are_counted_by_crm_portal_endpoint_and_status():
    before = value("leadscore_api_calls_total", crm="hubspot", portal="m1",
                   endpoint="contacts.search", status="200")
    with run_context(portal="m1"):
        metrics.record_api_call("hubspot", "contacts.search", 200)
        metrics.record_api_call("hubspot", "contacts.search", 200)
    after = value("leadscore_api_calls_total", crm="hubspot", portal="m1",
                  endpoint="contacts.search", status="200")
    assert after - before == 2


def test_a_429_also_counts_as_rate_limited():
    with run_context(portal="m2"):
        metrics.record_api_call("hubspot", "contacts.batch_update", 429)
    assert value("leadscore_api_rate_limited_total", crm="hubspot", portal="m2",
                 endpoint="contacts.batch_update") == 1


def test_retries_are_counted():
    with run_context(portal="m3"):
        metrics.record_retry("hubspot", "contacts.search")
    assert value("leadscore_api_retries_total", crm="hubspot", portal="m3",
                 endpoint="contacts.search") == 1


def test_rate_limit_headroom_is_a_gauge_of_remaining_and_max():
    with run_context(portal="m4"):
        metrics.record_rate_limit("hubspot", "10s", 150, 190)
        metrics.record_rate_limit("hubspot", "10s", 120)
    assert value("leadscore_rate_limit_remaining", crm="hubspot", portal="m4", window="10s") == 120
    assert value("leadscore_rate_limit_max", crm="hubspot", portal="m4", window="10s") == 190


def test_a_finished_run_moves_outcome_lead_counts_duration_and_last_success():
    metrics.run_started("m5")
    assert value("leadscore_sync_in_progress", portal="m5") == 1
    metrics.record_run("m5", "incremental", "success", counts={"read": 10, "written": 4},
                       duration_seconds=2.5, finished_at=1234.0, failed_outstanding=1)
    assert value("leadscore_sync_in_progress", portal="m5") == 0
    assert value("leadscore_sync_runs_total", portal="m5", kind="incremental", outcome="success") == 1
    assert value("leadscore_leads_total", portal="m5", step="read") == 10
    assert value("leadscore_leads_total", portal="m5", step="written") == 4
    assert value("leadscore_sync_duration_seconds_count", portal="m5", kind="incremental") == 1
    assert value("leadscore_last_success_timestamp_seconds", portal="m5") == 1234.0
    assert value("leadscore_failed_records", portal="m5") == 1


def test_a_failed_run_leaves_last_success_alone():
    metrics.record_run("m6", "full", "success", finished_at=100.0)
    metrics.record_run("m6", "full", "failed", finished_at=200.0)
    assert value("leadscore_last_success_timestamp_seconds", portal="m6") == 100.0
    assert value("leadscore_sync_runs_total", portal="m6", kind="full", outcome="failed") == 1
