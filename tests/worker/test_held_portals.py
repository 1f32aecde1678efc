"""A replica syncs only the portals it holds; /readyz and the metrics say which."""

from connector.observability import metrics
from connector.observability.health import RunTracker
from connector.worker.runs import INCREMENTAL, Runs
from tests.worker.conftest import FakeSync


def _replica_runs(settings, held):
    sync = FakeSync()
    runs = Runs({p: settings for p in ("acme", "globex", "initech")}, sync, RunTracker(600),
                owns=lambda name: name in held)
    return runs, sync


def test_a_replica_syncs_only_the_portals_it_holds(settings):
    runs, sync = _replica_runs(settings, {"globex"})
    assert runs.run(INCREMENTAL)
    assert sync.calls == [("globex", "incremental")]


def test_readiness_counts_only_the_held_portals_and_says_which_are_held(settings):
    runs, _ = _replica_runs(settings, {"globex"})
    runs.run(INCREMENTAL)
    ready, detail = runs.tracker.readiness()
    assert ready
    assert {p: d["held"] for p, d in detail.items()} == {"acme": False, "globex": True,
                                                          "initech": False}


def test_a_replica_holding_no_portal_stands_by_ready(settings):
    runs, sync = _replica_runs(settings, set())
    runs.run(INCREMENTAL)
    assert sync.calls == [] and runs.tracker.readiness()[0]


def test_the_held_gauge_is_one_for_held_portals_and_zero_for_the_others(settings):
    runs, _ = _replica_runs(settings, {"acme"})
    runs.run(INCREMENTAL)
    collector = metrics.watch(runs.tracker)
    try:
        held = {p: metrics.REGISTRY.get_sample_value("leadscore_portal_held", {"portal": p})
                for p in ("acme", "globex")}
    finally:
        metrics.REGISTRY.unregister(collector)
    assert held == {"acme": 1.0, "globex": 0.0}
