"""`leadscore sync`, `leadscore status` and `leadscore demo`."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from connector.crm.errors import CrmError

console = Console()
err_console = Console(stderr=True)


def _logging(level: str) -> None:
    """Plain log lines on stderr unless something (the worker) configured logging already."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, stream=sys.stderr,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def sync_command(
    full: bool = typer.Option(False, "--full", help="Rescore every contact, not only the changed ones."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Read and score, write nothing; show what would change."),
    out: Optional[Path] = typer.Option(None, "--out", help="With --dry-run: save every change to FILE.csv or FILE.json."),
    once: bool = typer.Option(False, "--once", help="One pass, then exit (what `sync` always does; for schedulers)."),
) -> None:
    """Run one sync pass (incremental by default). Exits non-zero if it failed."""
    from connector.cli import settings
    from connector.sync.loop import RunHooks
    from connector.sync.output import ChangeSink, print_dry_run, print_warnings, stats_line
    from connector.sync.service import sync_once

    cfg = settings()
    _logging(cfg.log_level)
    if out is not None and not dry_run:
        raise typer.BadParameter("--out goes with --dry-run", param_hint="--out")
    sink = ChangeSink(out) if dry_run else None
    try:
        with _worker_lock(cfg, dry_run):
            report = sync_once(cfg, full=full, dry_run=dry_run, hooks=RunHooks(on_change=sink))
    except CrmError as exc:
        err_console.print(f"[bold red]sync failed:[/] {exc}")
        raise typer.Exit(1) from None
    finally:
        if sink is not None:
            sink.close()
    if sink is not None:
        print_dry_run(console, report, sink)
        return
    console.print(f"{report.mode} sync done: {stats_line(report.stats, report.duration_s)}")
    print_warnings(console, report)
    if report.stats.failed:
        console.print(f"[yellow]{report.stats.failed} contacts were not written; they are kept "
                      "and retried on the next run (see `leadscore status`).[/]")


@contextmanager
def _worker_lock(cfg, dry_run: bool) -> Iterator[None]:
    """A pass that writes holds the worker lock, so it never runs beside a worker (or another
    one-shot job) on the same state; a dry run writes nothing and needs none."""
    if dry_run:
        yield
        return
    from connector.sync.service import open_store
    from connector.worker.lock import WorkerLock

    with open_store(cfg) as store, WorkerLock(store, wait_seconds=cfg.lock_wait_seconds,
                                              stale_seconds=cfg.lock_stale_seconds):
        yield


def status_command(
    limit: int = typer.Option(10, "--limit", help="How many runs to show."),
) -> None:
    """Show the last sync runs, the checkpoint and the records that failed to write."""
    from connector.cli import settings
    from connector.sync.output import runs_table, warnings_lines
    from connector.sync.service import open_store

    cfg = settings()
    with open_store(cfg) as store:
        runs = store.runs(cfg.portal, limit)
        failed = store.failed(cfg.portal)
        checkpoint = store.checkpoint(cfg.portal)
    if not runs:
        console.print(f"no sync has run yet for portal {cfg.portal!r}.")
        return
    console.print(runs_table(runs))
    for run in runs[:3]:
        if run.error:
            console.print(f"run {run.id} ({run.outcome}): {run.error}")
    for line in warnings_lines(runs[0].stats):
        console.print(f"run {runs[0].id}: {line}", markup=False, highlight=False)
    console.print(f"checkpoint: {checkpoint or 'none'}")
    if not failed:
        console.print("no failed records.")
        return
    table = Table(title=f"Failed records ({len(failed)}), retried on the next run")
    for col in ("contact", "reason", "attempts", "first failed (UTC)", "last failed (UTC)"):
        table.add_column(col)
    for rec in failed[:50]:
        table.add_row(rec.lead_id, rec.reason, str(rec.attempts),
                      rec.first_failed_at.strftime("%Y-%m-%d %H:%M"),
                      rec.last_failed_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


def demo_command(
    contacts: int = typer.Option(1000, "--contacts", help="Contacts in the seeded sandbox portal."),
    seed: int = typer.Option(7, "--seed", help="Seed of the generated portal."),
    crm: Optional[str] = typer.Option(None, "--crm", help="hubspot or salesforce (default: LEADSCORE_CRM)."),
) -> None:
    """Start a seeded CRM sandbox, run a full sync against it, show the result, stop it."""
    from connector.cli import settings
    from connector.extras import require_extra

    require_extra("sandbox", "demo")
    from connector.sandbox.demo import run_demo

    cfg = settings()
    try:
        run_demo(cfg, console, contacts=contacts, seed=seed, crm=crm or cfg.crm)
    except CrmError as exc:
        err_console.print(f"[bold red]demo failed:[/] {exc}")
        raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    app.command("sync")(sync_command)
    app.command("status")(status_command)
    app.command("demo")(demo_command)
