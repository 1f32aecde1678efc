import json
import urllib.error
import urllib.request

import pytest

from connector.observability import metrics
from connector.observability.health import RunTracker
from connector.observability.http import HealthServer


class Clock:
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def server(clock):
    tracker = RunTracker(max_age_seconds=600, clock=clock)
    collector = metrics.watch(tracker)
    with HealthServer("127.0.0.1", 0, tracker) as srv:
        srv.tracker = tracker
        yield srv
    metrics.REGISTRY.unregister(collector)


def test_healthz_answers_while_the_process_lives(server):
    assert get(server.url + "/healthz") == (200, '{"alive": true}')


def test_healthz_fails_when_the_scheduler_is_dead():
    with HealthServer("127.0.0.1", 0, RunTracker(60), alive=lambda: False) as srv:
        assert get(srv.url + "/healthz")[0] == 503


def test_readyz_is_not_ready_before_the_first_sync(server):
    server.tracker.expect("acme")
    status, body = get(server.url + "/readyz")
    assert status == 503
    assert json.loads(body)["portals"]["acme"]["problem"] == "no sync has finished yet"


def test_readyz_is_ready_after_a_successful_sync(server):
    server.tracker.finished("acme", "success")
    status, body = get(server.url + "/readyz")
    assert status == 200 and json.loads(body)["ready"] is True


def test_readyz_is_not_ready_when_the_last_sync_failed(server):
    server.tracker.finished("acme", "success")
    server.tracker.finished("acme", "failed", "HubSpot rejected the token (401)")
    status, body = get(server.url + "/readyz")
    assert status == 503
    assert "401" in json.loads(body)["portals"]["acme"]["problem"]


def test_readyz_is_not_ready_when_the_last_success_is_too_old(server, clock):
    server.tracker.finished("acme", "success")
    clock.now += 601
    assert get(server.url + "/readyz")[0] == 503


def test_readyz_needs_every_portal_ready(server):
    server.tracker.finished("acme", "success")
    server.tracker.finished("globex", "failed", "CRM down")
    status, body = get(server.url + "/readyz")
    assert status == 503
    assert json.loads(body)["portals"]["acme"]["ready"] is True


def test_unknown_path_is_404(server):
    assert get(server.url + "/nope")[0] == 404


def test_metrics_expose_time_since_last_success(server, clock):
    server.tracker.finished("acme", "success")
    clock.now += 42
    status, body = get(server.url + "/metrics")
    assert status == 200
    assert 'leadscore_seconds_since_last_success{portal="acme"} 42.0' in body
