#!/usr/bin/env python3
"""Salesforce sync benchmark: API calls against the floor, wall time, peak memory.

    .venv/bin/python bench/bench_sync_salesforce.py [PEOPLE ...]   (default: 10000 100000)

For each size: seeds the HTTPS Salesforce sandbox from the shared generator (people become
unconverted Leads, customers Contacts; their activity Tasks, Events and CampaignMembers), runs a
full sync, then an incremental sync after new activity on 1% of the leads. Prints, per run, the
API calls used by endpoint, the floor (the fewest calls Salesforce's page and batch sizes allow for
that work: connector.crm.salesforce.floor), the ratio, records read/written, wall time and peak
memory (the process's peak resident set so far: the sandbox and its seeding run in the same
process, so the figure is an upper bound of the worker's own). Salesforce has no per-second rate
limit to pace against (only the daily allocation), so there is no rate-limit floor for wall time.
"""

from __future__ import annotations

import sys
import tempfile
import time
import resource
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connector.crm.salesforce.floor import floor_calls  # noqa: E402
from connector.sandbox.salesforce import SalesforceSandbox  # noqa: E402
from connector.scoring import load_model  # noqa: E402
from connector.settings import Settings  # noqa: E402
from connector.sync.service import make_adapter, sync_once  # noqa: E402

ANCHOR = datetime(2026, 3, 2, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def run(cfg: Settings, model, now: datetime, *, full: bool) -> dict:
    adapter = make_adapter(cfg, model, now)
    started = time.perf_counter()
    report = sync_once(cfg, full=full, now=now, adapter=adapter)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    client = adapter.client
    made = sum(client.calls.values())
    floor = floor_calls(client.calls, client.rows, client.written)
    return {"made": made, "floor": floor, "calls": dict(client.calls), "read": report.stats.read,
            "written": report.stats.written, "wall": wall, "peak_mb": peak / 2**20,
            "rows": dict(client.rows)}


def show(title: str, r: dict) -> None:
    print(f"  {title}: {r['made']} API calls, floor {r['floor']} ({r['made'] / max(r['floor'], 1):.2f}x); "
          f"{r['read']} read, {r['written']} written; {r['wall']:.1f} s; peak RSS so far {r['peak_mb']:.0f} MB")
    print(f"    calls by endpoint: {r['calls']}")
    print(f"    records read: {r['rows']}")


def bench(people: int) -> None:
    clock = Clock(ANCHOR + timedelta(hours=12))
    with tempfile.TemporaryDirectory(prefix="leadscore-bench-") as tmp:
        started = time.perf_counter()
        sb = SalesforceSandbox.start(people=people, seed=42, anchor=ANCHOR, clock=clock, daily_limit=10_000_000,
                                     data_dir=Path(tmp) / "org")
        try:
            leads = len(sb.ids("Lead"))
            print(f"{people} people: {leads} leads, {sb.store.count('Task')} tasks, {sb.store.count('Event')} events, "
                  f"{sb.store.count('CampaignMember')} campaign members (seeded in {time.perf_counter() - started:.0f} s)")
            cfg = Settings(_env_file=None, **sb.settings(), data_dir=Path(tmp) / "state", portal="bench",
                           full_rescore_hours=0)
            model = load_model(cfg.model_path)
            show("full sync", run(cfg, model, clock.now, full=True))
            clock.now += timedelta(hours=1)
            for lead in sb.ids("Lead")[:: 100]:
                sb.add_task(lead, "Email", "RE: pricing")
            show("incremental, new activity on 1% of leads", run(cfg, model, clock.now, full=False))
        finally:
            sb.stop()


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    for size in sizes:
        bench(size)
