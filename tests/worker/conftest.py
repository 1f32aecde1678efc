import threading

import pytest

from connector.observability.health import RunTracker
from connector.settings import Settings
from connector.worker.runs import RunReport, Runs


class FakeSync:
    """A portal sync for the worker's own logic: records calls, can block, fail or be stopped.

    It works in "batches" like the real loop: before each it checks the stop event."""

    def __init__(self, batches=1, fail=(), gate=None):
        self.batches = batches
        self.fail = set(fail)
        self.gate = gate  # an Event each batch waits for, to hold a run in flight
        self.calls = []
        self.started = threading.Event()
        self.done_batches = 0

    def __call__(self, portal, settings, full, stop):
        self.calls.append((portal, "full" if full else "incremental"))
        self.started.set()
        if portal in self.fail:
            raise RuntimeError(f"{portal} is down")
        for _ in range(self.batches):
            if stop.is_set():
                return RunReport("cancelled", {"written": self.done_batches})
            if self.gate is not None:
                self.gate.wait(30)
            self.done_batches += 1
        return RunReport("success", {"read": self.batches, "written": self.batches})


@pytest.fixture
def settings(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    return Settings(http_host="127.0.0.1", http_port=0, shutdown_timeout_seconds=5)


@pytest.fixture
def make_runs(settings):
    def make(sync, portals=("acme",)):
        return Runs({p: settings for p in portals}, sync, RunTracker(600))

    return make


from tests.state.postgres import postgres_server, postgres_url  # noqa: E402,F401 (fixtures)
