"""The worker against the HubSpot sandbox: the real sync, several portals, metrics, the lock,
JSON logs, and a clean stop on SIGTERM in the middle of a sync."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from connector.observability import metrics
from connector.observability.health import RunTracker
from connector.sandbox.hubspot import HubSpotSandbox
from connector.state import StateStore, default_url
from connector.sync.service import sync_once
from connector.worker.lock import LOCK_NAME, WorkerLock, this_process
from connector.worker.portal import sync_portal
from connector.worker.runs import FULL, Runs
from connector.worker.service import serve
from tests.sync.hubspot_helpers import (
    ANCHOR, NOW, batch_updates, contact_ids, crm_state, settings_for,
)
from tests.sync.test_hubspot_kill import leadscore, worker_env

FAST_SB = {"anchor": ANCHOR, "rate_limit_per_10s": 5000, "search_per_second": 500}


def sample(name, **labels):
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_move_with_a_sync(tmp_path):
    with HubSpotSandbox.start(contacts=120, seed=3, **FAST_SB) as sb:
        cfg = settings_for(sb, tmp_path, portal="metrics_p", as_of=NOW)
        runs = Runs({"metrics_p": cfg}, sync_portal, RunTracker(600))
        assert runs.run(FULL)

    assert sample("leadscore_sync_runs_total", portal="metrics_p", kind="full", outcome="success") == 1
    assert sample("leadscore_leads_total", portal="metrics_p", step="read") == 120
    assert sample("leadscore_leads_total", portal="metrics_p", step="written") == 120
    calls = [s for m in metrics.REGISTRY.collect() if m.name == "leadscore_api_calls"
             for s in m.samples if s.labels.get("portal") == "metrics_p" and s.name.endswith("_total")]
    assert any(s.labels["endpoint"].endswith("/contacts/batch/update") and s.labels["status"] == "200"
               and s.value >= 2 for s in calls)
    assert sample("leadscore_sync_duration_seconds_count", portal="metrics_p", kind="full") == 1
    assert sample("leadscore_last_success_timestamp_seconds", portal="metrics_p") > 0
    assert sample("leadscore_rate_limit_max", crm="hubspot", portal="metrics_p", window="10s") == 5000
    assert runs.tracker.readiness()[0]


def test_data_warnings_are_a_metric_by_kind(tmp_path):
    with HubSpotSandbox.start(contacts=30, seed=3, **FAST_SB) as sb:
        for cid in ("1", "2", "3"):
            sb.set_contact(cid, {"jobtitle": "N/A"})
        cfg = settings_for(sb, tmp_path, portal="warned_p", as_of=NOW)
        runs = Runs({"warned_p": cfg}, sync_portal, RunTracker(600))
        assert runs.run(FULL)
    with StateStore.open(default_url(tmp_path / "data")) as store:
        kept = store.runs("warned_p")[0].stats.warnings
    counted = {s.labels["kind"]: s.value for m in metrics.REGISTRY.collect()
               if m.name == "leadscore_data_warnings" for s in m.samples
               if s.labels.get("portal") == "warned_p" and s.name.endswith("_total")}
    assert counted == kept and sum(counted.values()) >= 3


def test_two_portals_sync_independently_into_one_state_store(tmp_path):
    with HubSpotSandbox.start(contacts=100, seed=3, **FAST_SB) as acme, \
            HubSpotSandbox.start(contacts=150, seed=4, **FAST_SB) as globex:
        portals = {"acme": settings_for(acme, tmp_path, portal="acme", as_of=NOW),
                   "globex": settings_for(globex, tmp_path, portal="globex", as_of=NOW)}
        assert Runs(portals, sync_portal, RunTracker(600)).run(FULL)
        assert all(v["leadscore_label"] for v in crm_state(acme, contact_ids(acme)).values())
        assert all(v["leadscore_label"] for v in crm_state(globex, contact_ids(globex)).values())

    store = StateStore.open(default_url(tmp_path / "data"))
    assert [r.stats.read for r in store.runs("acme")] == [100]
    assert [r.stats.read for r in store.runs("globex")] == [150]
    assert store.checkpoint("acme") != store.checkpoint("globex")


def test_a_portal_with_a_rejected_token_fails_in_one_line_and_the_other_still_syncs(tmp_path):
    with HubSpotSandbox.start(contacts=100, seed=3, **FAST_SB) as acme, \
            HubSpotSandbox.start(contacts=100, seed=4, **FAST_SB) as globex:
        portals = {"globex": settings_for(globex, tmp_path, portal="globex", as_of=NOW,
                                          hubspot_token="pat-na1-00000000-0000-0000-0000-000000000000"),
                   "acme": settings_for(acme, tmp_path, portal="acme", as_of=NOW)}
        runs = Runs(portals, sync_portal, RunTracker(600), listed=True)
        assert not runs.run(FULL)
        assert all(v["leadscore_label"] for v in crm_state(acme, contact_ids(acme)).values())
        assert not any(v.get("leadscore_label") for v in crm_state(globex, contact_ids(globex)).values())

    _, detail = runs.tracker.readiness()
    assert detail["acme"]["ready"]
    problem = detail["globex"]["problem"]
    assert "rejected the access token" in problem and "\n" not in problem
    assert "LEADSCORE_PORTAL_GLOBEX_HUBSPOT_TOKEN" in problem
    store = StateStore.open(default_url(tmp_path / "data"))
    assert store.runs("acme")[0].outcome == "ok" and store.runs("globex")[0].outcome == "failed"


@pytest.mark.parametrize("command", [("run", "--once"), ("sync", "--once")], ids=["run", "sync"])
def test_the_lock_refuses_a_second_worker_with_a_clear_message(tmp_path, command):
    with HubSpotSandbox.start(contacts=100, seed=3, **FAST_SB) as sb:
        env = worker_env(sb, tmp_path)
        store = StateStore.open(default_url(tmp_path / "data"))
        store.acquire_lock(LOCK_NAME, "other-host pid 7", datetime.now(UTC), timedelta(minutes=2))
        second = leadscore(*command, env=env)
        output = second.communicate(timeout=60)[0]
        assert second.returncode == 1, output
        assert "other-host pid 7" in output and "holds the lock" in output
        assert batch_updates(sb) == 0


def test_sigterm_mid_sync_stops_in_time_with_the_checkpoint_saved_and_a_restart_finishes(tmp_path):
    contacts = 1200  # two pages of work, twelve write batches
    with HubSpotSandbox.start(contacts=contacts, seed=5, **FAST_SB) as clean:
        sync_once(settings_for(clean, tmp_path / "clean"), full=True, as_of=NOW)
        expected = crm_state(clean, contact_ids(clean))
        all_batches = batch_updates(clean)

    with HubSpotSandbox.start(contacts=contacts, seed=5, **FAST_SB) as sb:
        env = worker_env(sb, tmp_path / "worker")
        env.update({"LEADSCORE_HTTP_HOST": "127.0.0.1", "LEADSCORE_HTTP_PORT": "0",
                    "LEADSCORE_SHUTDOWN_TIMEOUT_SECONDS": "20", "LEADSCORE_LOG_FORMAT": "json"})
        worker = leadscore("run", env=env)
        deadline = time.monotonic() + 60
        while batch_updates(sb) == 0 and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        worker.send_signal(signal.SIGTERM)
        output = worker.communicate(timeout=25)[0]  # within shutdown_timeout_seconds, plus start-up
        assert worker.returncode == 0, output
        assert 0 < batch_updates(sb) < all_batches, "the signal must land in the middle of the writes"
        lines = [json.loads(line) for line in output.splitlines() if line.strip()]
        assert any("stopped early, checkpoint saved" in e["message"] for e in lines), output
        assert sb.token not in output

        store = StateStore.open(default_url(tmp_path / "worker" / "data"))
        assert store.runs("test")[0].outcome == "cancelled"
        assert store.failed("test") == []
        store.close()

        restarted = leadscore("run", "--once", env=env)
        output = restarted.communicate(timeout=120)[0]
        assert restarted.returncode == 0, output
        assert crm_state(sb, contact_ids(sb)) == expected


def test_logs_are_json_lines_with_run_context_and_no_token(tmp_path):
    with HubSpotSandbox.start(contacts=100, seed=3, **FAST_SB) as sb:
        env = worker_env(sb, tmp_path)
        env.update({"LEADSCORE_LOG_FORMAT": "json", "LEADSCORE_LOG_LEVEL": "DEBUG"})
        job = leadscore("run", "--once", "--full", env=env)
        output = job.communicate(timeout=120)[0]
        assert job.returncode == 0, output
    entries = [json.loads(line) for line in output.splitlines()]
    assert any(e["message"] == "full sync finished" and e.get("portal") == "test" and e.get("run_id")
               and e.get("counts", {}).get("written") == 100 for e in entries), output
    assert sb.token not in output and "pat-" not in output


def test_the_lock_of_a_killed_process_on_this_host_is_taken_over_at_once(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    store = StateStore.open(default_url(tmp_path))
    owner = this_process().rpartition(" pid ")[0] + f" pid {gone.pid}"
    store.acquire_lock(LOCK_NAME, owner, datetime.now(UTC), timedelta(minutes=2))
    with WorkerLock(store, wait_seconds=0, stale_seconds=120):
        assert store.acquire_lock(LOCK_NAME, owner, datetime.now(UTC), timedelta(minutes=2)) is not None


def test_the_worker_schedule_runs_the_missed_full_rescore_then_incremental_syncs(tmp_path):
    with HubSpotSandbox.start(contacts=100, seed=3, **FAST_SB) as sb:
        cfg = settings_for(sb, tmp_path, portal="sched", as_of=NOW, http_host="127.0.0.1",
                           http_port=0).model_copy(update={"sync_interval_seconds": 1})
        runs = Runs({"sched": cfg}, sync_portal, RunTracker(600))
        store = StateStore.open(default_url(tmp_path / "data"))

        def stop_after_two_incremental_runs():
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                modes = [r.mode for r in store.runs("sched", 10) if r.outcome == "ok"]
                if modes.count("incremental") >= 2:
                    break
                time.sleep(0.05)
            runs.stop.set()

        threading.Thread(target=stop_after_two_incremental_runs, daemon=True).start()
        assert serve(cfg, runs, runs.tracker, full_at_start=True) == 0
    modes = [r.mode for r in reversed(store.runs("sched", 10)) if r.outcome == "ok"]
    assert modes[0] == "full" and modes.count("incremental") >= 2 and modes.count("full") == 1


def test_a_restarted_worker_is_ready_from_the_last_successful_run_in_the_state_store(tmp_path):
    from connector.commands.worker import restore_last_success

    with HubSpotSandbox.start(contacts=100, seed=3, **FAST_SB) as sb:
        cfg = settings_for(sb, tmp_path, portal="ready_p")
        sync_once(cfg, full=True)
    tracker = RunTracker(600)
    restore_last_success(tracker, {"ready_p": cfg})
    ready, detail = tracker.readiness()
    assert ready and detail["ready_p"]["seconds_since_success"] < 600
