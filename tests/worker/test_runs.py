import logging
import threading

from connector.errors import UserError
from connector.observability import metrics
from connector.worker.failures import explain
from connector.worker.runs import FULL, INCREMENTAL

from .conftest import FakeSync


def start_held_incremental(make_runs):
    """Runs with an incremental run in flight, held until `gate` is set."""
    gate = threading.Event()
    sync = FakeSync(gate=gate)
    runs = make_runs(sync)
    first = threading.Thread(target=runs.run, args=[INCREMENTAL])
    first.start()
    assert sync.started.wait(10)
    return runs, sync, gate, first


def test_an_incremental_run_is_skipped_while_another_run_is_going(make_runs, caplog):
    runs, sync, gate, first = start_held_incremental(make_runs)
    with caplog.at_level(logging.WARNING):
        assert runs.run(INCREMENTAL) is False
    gate.set()
    first.join(10)
    assert sync.calls == [("acme", "incremental")]
    assert "incremental sync skipped: the incremental sync started earlier is still running" in caplog.text


def test_a_full_rescore_waits_for_the_incremental_run_in_flight(make_runs):
    runs, sync, gate, first = start_held_incremental(make_runs)
    full = threading.Thread(target=runs.run, args=[FULL])
    full.start()
    full.join(0.3)
    assert full.is_alive() and len(sync.calls) == 1
    gate.set()
    first.join(10)
    full.join(10)
    assert sync.calls == [("acme", "incremental"), ("acme", "full")]


def test_one_failing_portal_does_not_stop_the_others(make_runs):
    sync = FakeSync(fail={"acme"})
    runs = make_runs(sync, portals=("acme", "globex"))
    assert runs.run(INCREMENTAL) is False
    assert sync.calls == [("acme", "incremental"), ("globex", "incremental")]
    ready, detail = runs.tracker.readiness()
    assert detail["globex"]["ready"] is True
    assert "acme is down" in detail["acme"]["problem"]


def test_a_failure_is_logged_in_one_line_with_the_fix(make_runs, caplog):
    def sync(portal, settings, full, stop):
        raise UserError("HubSpot rejected the token (401);\n fix: create a new private app token.")

    with caplog.at_level(logging.ERROR):
        make_runs(sync).run(INCREMENTAL)
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert record.getMessage() == (
        "incremental sync failed: HubSpot rejected the token (401); fix: create a new private app token."
    )


def test_an_unforeseen_error_still_says_what_to_do():
    line = explain(ConnectionError("boom\nsecond line"))
    assert "\n" not in line
    assert line.startswith("unexpected ConnectionError: boom; fix: run with LEADSCORE_LOG_LEVEL=DEBUG")


def test_no_further_portal_starts_once_stop_is_set(make_runs):
    sync = FakeSync()
    runs = make_runs(sync, portals=("acme", "globex"))

    def stop_after_first(portal, settings, full, stop):
        result = sync(portal, settings, full, stop)
        runs.stop.set()
        return result

    runs.sync = stop_after_first
    runs.run(INCREMENTAL)
    assert sync.calls == [("acme", "incremental")]


def test_a_run_moves_the_metrics(make_runs):
    runs = make_runs(FakeSync(batches=3), portals=("metricco",))
    runs.run(INCREMENTAL)
    value = metrics.REGISTRY.get_sample_value
    assert value("leadscore_sync_runs_total",
                 {"portal": "metricco", "kind": "incremental", "outcome": "success"}) == 1
    assert value("leadscore_leads_total", {"portal": "metricco", "step": "written"}) == 3
