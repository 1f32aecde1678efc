import os
import signal
import threading
import time
import urllib.request

from connector.observability.health import RunTracker
from connector.worker.runs import RunReport, Runs
from connector.worker.service import EXIT_OK, EXIT_TIMEOUT, Shutdown, serve, watch_deadline

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


class Stuck:
    """An adapter whose call in flight ends only when it is closed (the abort), or never."""

    def __init__(self, honours_close=True):
        self.closed = threading.Event()
        self.honours_close = honours_close
        self.released = threading.Event()  # the test's end: lets a call that ignores close end

    def close(self):
        self.closed.set()

    def sync(self, runs):
        def run(portal, settings, full, stop):
            runs.abort.watch(self)
            try:
                (self.closed if self.honours_close else self.released).wait(30)
                return RunReport("cancelled")
            finally:
                runs.abort.forget(self)
        return run


def test_a_call_that_outlives_the_shutdown_timeout_is_aborted_and_the_worker_exits_1(settings):
    settings = settings.model_copy(update={"shutdown_timeout_seconds": 0.2})
    runs = Runs({"acme": settings}, None, RunTracker(600))
    stuck = Stuck()
    runs.sync = stuck.sync(runs)
    started = threading.Event()
    threading.Timer(0.3, started.set).start()
    signal_when(started)
    exits = []
    began = time.monotonic()
    assert serve(settings, runs, runs.tracker, exit_now=exits.append) == EXIT_TIMEOUT
    assert stuck.closed.is_set() and exits == []  # the sync returned: the caller may release
    assert runs.wait_idle(0) and time.monotonic() - began < 3


def test_a_sync_still_in_its_call_after_the_abort_exits_1_at_once_without_returning(settings):
    settings = settings.model_copy(update={"shutdown_timeout_seconds": 0.2})
    runs = Runs({"acme": settings}, None, RunTracker(600))
    stuck = Stuck(honours_close=False)
    runs.sync = stuck.sync(runs)
    started = threading.Event()
    threading.Timer(0.3, started.set).start()
    signal_when(started)
    exits = []
    try:
        serve(settings, runs, runs.tracker, exit_now=exits.append)
        assert stuck.closed.is_set() and exits == [EXIT_TIMEOUT]
        assert not runs.wait_idle(0)  # still busy: the lock must stay held, the process exits
    finally:
        stuck.released.set()


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


def test_run_once_is_held_to_the_same_deadline_after_a_signal(settings):
    settings = settings.model_copy(update={"shutdown_timeout_seconds": 0.2})
    runs = Runs({"acme": settings}, None, RunTracker(600))
    stuck = Stuck()
    runs.sync = stuck.sync(runs)
    exits = []
    watch_deadline(settings, runs, exit_now=exits.append)
    threading.Timer(0.3, runs.stop.set).start()
    began = time.monotonic()
    assert runs.run("incremental") is False  # the aborted run ends cancelled
    assert stuck.closed.is_set() and exits == [] and time.monotonic() - began < 3
