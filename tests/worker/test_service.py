import os
import signal
import threading
import urllib.request

from connector.observability.health import RunTracker
from connector.worker.runs import Runs
from connector.worker.service import EXIT_OK, EXIT_TIMEOUT, Shutdown, serve

from .conftest import FakeSync


def signal_when(event, signum=signal.SIGTERM):
    """Send ourselves `signum` once `event` is set (from a helper thread; handled in main)."""

    def send():
        if event.wait(10):
            os.kill(os.getpid(), signum)

    threading.Thread(target=send, daemon=True).start()


def test_sigterm_lets_the_batch_in_flight_finish_then_exits_cleanly(settings):
    gate = threading.Event()
    sync = FakeSync(batches=5, gate=gate)
    runs = Runs({"acme": settings}, sync, RunTracker(600))
    signal_when(sync.started)
    threading.Timer(0.3, gate.set).start()  # the batch in flight ends after the signal
    assert serve(settings, runs, runs.tracker) == EXIT_OK
    assert sync.done_batches == 1  # finished the one in flight, started no other
    assert runs.tracker.readiness()[1]["acme"]["problem"].startswith("last sync cancelled")


def test_a_batch_that_outlives_the_shutdown_timeout_exits_non_zero(settings):
    settings = settings.model_copy(update={"shutdown_timeout_seconds": 0.2})
    gate = threading.Event()
    sync = FakeSync(gate=gate)
    runs = Runs({"acme": settings}, sync, RunTracker(600))
    signal_when(sync.started)
    try:
        assert serve(settings, runs, runs.tracker) == EXIT_TIMEOUT
    finally:
        gate.set()


def test_a_second_signal_exits_at_once():
    stop, exits = threading.Event(), []
    shutdown = Shutdown(stop, exit_now=exits.append)
    shutdown._handle(signal.SIGTERM, None)
    assert stop.is_set() and exits == []
    shutdown._handle(signal.SIGINT, None)
    assert exits == [128 + signal.SIGINT]


def test_the_endpoint_serves_while_the_worker_runs(settings):
    sync = FakeSync()
    runs = Runs({"acme": settings}, sync, RunTracker(600))
    seen = {}

    def probe(server):
        sync.started.wait(10)
        with urllib.request.urlopen(server.url + "/healthz", timeout=5) as response:
            seen["healthz"] = response.status
        runs.stop.set()

    assert serve(settings, runs, runs.tracker, on_ready=probe) == EXIT_OK
    assert seen == {"healthz": 200}
