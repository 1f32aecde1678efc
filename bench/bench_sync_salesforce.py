#!/usr/bin/env python3
"""Salesforce sync benchmark: API calls against the floor, wall time, the sync's peak memory.

    .venv/bin/python bench/bench_sync_salesforce.py [PEOPLE ...]   (default: 10000 100000)

For each size: seeds the HTTPS Salesforce sandbox from the shared generator (people become
unconverted Leads, customers Contacts; their activity Tasks, Events and CampaignMembers), runs a
full sync, then an incremental sync after new activity on 1% of the leads. Each sync runs in a
process of its own (the sandbox stays in this one), which prints, per run: the API calls used by
endpoint, the floor (the fewest calls Salesforce's page and batch sizes allow for that work:
connector.crm.salesforce.floor), the ratio, records read and written, wall time and the sync
process's peak memory (VmHWM). Salesforce has no per-second rate limit to pace against (only the
daily allocation), so there is no rate-limit floor for wall time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_sync import peak_rss_mb  # noqa: E402


def child(values: dict, full: bool) -> None:
    """One sync in this process; prints its figures as JSON on the last line."""
    from connector.crm.salesforce.floor import floor_calls
    from connector.scoring import load_model
    from connector.settings import Settings
    from connector.crm.registry import open_adapter
    from connector.sync.service import sync_once

    cfg = Settings(_env_file=None, **values)
    now = datetime.now(UTC)
    adapter = open_adapter(cfg, load_model(cfg.model_path))
    started = time.perf_counter()
    report = sync_once(cfg, full=full, as_of=now, adapter=adapter)
    client = adapter.client
    print(json.dumps({
        "made": sum(client.calls.values()), "floor": floor_calls(client.calls, client.rows, client.written),
        "calls": dict(client.calls), "rows": dict(client.rows), "read": report.stats.read,
        "written": report.stats.written, "wall": time.perf_counter() - started, "peak_mb": peak_rss_mb(),
    }))


def run(values: dict, *, full: bool) -> dict:
    args = [sys.executable, __file__, "--child", json.dumps(values)] + (["--full"] if full else [])
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def show(title: str, r: dict) -> None:
    print(f"  {title}: {r['made']} API calls, floor {r['floor']} ({r['made'] / max(r['floor'], 1):.2f}x); "
          f"{r['read']} read, {r['written']} written; {r['wall']:.1f} s; sync's peak memory {r['peak_mb']:.0f} MB")
    print(f"    calls by endpoint: {r['calls']}")
    print(f"    records read: {r['rows']}")


def bench(people: int) -> None:
    from connector.sandbox.salesforce import SalesforceSandbox

    with tempfile.TemporaryDirectory(prefix="leadscore-bench-") as tmp:
        started = time.perf_counter()
        sb = SalesforceSandbox.start(people=people, seed=42, daily_limit=10_000_000, data_dir=Path(tmp) / "org")
        try:
            leads = sb.ids("Lead")
            activity = sum(sb.store.count(o) for o in ("Task", "Event", "CampaignMember"))
            print(f"{people} people: {len(leads)} leads, {activity} activity records "
                  f"(seeded in {time.perf_counter() - started:.0f} s)")
            values = {key: str(value) for key, value in sb.settings().items()}
            values.update(data_dir=str(Path(tmp) / "state"), portal="bench", full_rescore_hours="0",
                          model_path=str(ROOT / "config" / "scoring.toml"))
            show("full sync", run(values, full=True))
            time.sleep(1.1)  # the next run starts after the one-second resolution of Date
            for lead in leads[::100]:
                sb.add_task(lead, "Email", "RE: pricing")
            show("incremental, new activity on 1% of leads", run(values, full=False))
        finally:
            sb.stop()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(json.loads(sys.argv[2]), full="--full" in sys.argv[3:])
    else:
        for size in [int(a) for a in sys.argv[1:]] or [10_000, 100_000]:
            bench(size)
