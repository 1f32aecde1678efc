#!/usr/bin/env python3
"""Benchmark of `leadscore fit --from-crm` against the HubSpot sandbox (issue 15): reading every
contact as it was at its moment (search pages, engagement, property history), and as it was
--horizon-days before (the calibration's snapshot: one more history read), then the fit with its
held-out folds and its calibration table. Prints the API calls against the floor (the fewest
HubSpot's page and batch sizes allow for the same reads), the time of the read and of the fit,
and the fitting process's peak memory (the leads are held compact: connector/backtest/compact.py).

    nice .venv/bin/python bench/bench_fit_crm.py                      # 100,000 contacts
    nice .venv/bin/python bench/bench_fit_crm.py --contacts 10000 --folds 5

The fit runs in its own process (peak RSS is its own, not the sandbox's). The machine is shared:
run it niced, and say what else ran beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_sync import peak_rss_mb  # noqa: E402

ANCHOR = datetime(2026, 3, 2, tzinfo=UTC)
LIMITS = {"rate_limit_per_10s": 1900, "search_per_second": 50}  # a Professional portal's, ×10


def child(args: argparse.Namespace) -> None:
    """Read the history and fit, in this process; prints the figures as JSON on the last line."""
    from connector.backtest.crm import history_from_crm
    from connector.backtest.fit import FitOptions
    from connector.backtest.learn import learn
    from connector.crm.registry import open_adapter
    from connector.scoring import load_model
    from connector.settings import Settings

    cfg = Settings(_env_file=None, crm="hubspot", hubspot_url=args.url, hubspot_token=args.token,
                   data_dir=Path(args.data_dir), portal="bench",
                   hubspot_rate_limit_per_10s=LIMITS["rate_limit_per_10s"],
                   hubspot_search_per_second=LIMITS["search_per_second"])
    model = load_model(ROOT / "config" / "scoring.toml")
    adapter = open_adapter(cfg, model)
    now = datetime.fromisoformat(args.now)
    started = time.monotonic()
    attributes = {event: plan.attributes for event, plan in model.event_plans.items()}
    history = history_from_crm(adapter, sorted({p.property for p in model.fit_plan}), now=now,
                               horizon_days=args.horizon_days or None, attributes=attributes)
    read = time.monotonic() - started
    read_rss = peak_rss_mb()
    usage = adapter.api_usage()
    print(f"read: {len(history.leads):,} leads in {read:.1f}s, {sum(usage.calls.values()):,} API calls (floor "
          f"{adapter.fewest_calls():,}), peak memory {read_rss:.0f} MB; fitting", file=sys.stderr, flush=True)
    started = time.monotonic()
    learned = learn(history, now, FitOptions(folds=max(args.folds, 2)), "bench", validate=args.folds > 0, current=model)
    fit = time.monotonic() - started
    table = learned.model.calibration
    print(json.dumps({
        "leads": len(history.leads), "converted": sum(history.outcomes), "calls": sum(usage.calls.values()),
        "snapshot": len(history.snapshot or ()), "calibration": None if table is None else
        {"bands": len(table.bands), "leads": table.leads, "conversions": table.conversions,
         "ece": learned.calibration["ece"] if learned.calibration else None},
        "floor": adapter.fewest_calls(), "by_endpoint": usage.calls, "read_s": read, "fit_s": fit,
        "read_rss_mb": read_rss, "peak_rss_mb": peak_rss_mb(),
        "validation": learned.validation.summary_lines() if learned.validation else [],
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--horizon-days", type=int, default=90, help="the calibration's horizon (0: no table)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    for name in ("--url", "--token", "--data-dir", "--now"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    from connector.sandbox.hubspot import HubSpotSandbox

    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        sb = HubSpotSandbox.start(contacts=args.contacts, seed=args.seed, anchor=ANCHOR, data_dir=Path(tmp) / "sandbox",
                                  daily_limit=10**9, **LIMITS)
        print(f"sandbox: {args.contacts:,} contacts seeded in {time.monotonic() - started:.1f}s")
        try:
            cmd = [sys.executable, __file__, "--child", "--url", sb.url, "--token", sb.token, "--data-dir", tmp,
                   "--now", ANCHOR.isoformat(), "--folds", str(args.folds), "--horizon-days", str(args.horizon_days)]
            out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT,  # its progress on stderr
                                 env={**os.environ, "PYTHONPATH": str(ROOT)})
            r = json.loads(out.stdout.strip().splitlines()[-1])
        finally:
            sb.stop()
    print(f"{r['leads']:,} leads read, {r['converted']:,} converted")
    print(f"  API calls      {r['calls']:>8,}   floor {r['floor']:>8,}   ({r['calls'] / max(r['floor'], 1):.3f}× the floor;"
          f" limits {LIMITS['rate_limit_per_10s']}/10 s, search {LIMITS['search_per_second']}/s)")
    print("  calls by endpoint: " + ", ".join(f"{k.split(' ', 1)[1]} {v:,}" for k, v in sorted(r["by_endpoint"].items())))
    print(f"  read           {r['read_s']:>8.1f}s  peak memory after reading {r['read_rss_mb']:.0f} MB")
    print(f"  fit ({args.folds} folds) {r['fit_s']:>6.1f}s  peak memory {r['peak_rss_mb']:.0f} MB (the fitting process)")
    for line in r["validation"]:
        print(f"  {line}")
    c = r["calibration"]
    if c:
        print(f"  calibration: {r['snapshot']:,} leads as of {args.horizon_days} days before; table of {c['bands']} bands on "
              f"{c['leads']:,} held-out leads ({c['conversions']:,} converted), cross-fitted ECE {c['ece']:.1f} points")


if __name__ == "__main__":
    main()
