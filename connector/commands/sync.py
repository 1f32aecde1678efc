"""`leadscore sync`, `leadscore status` and `leadscore demo`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from connector.commands.invocation import portals_of, report_error, settings
from connector.crm.errors import CrmError
from connector.errors import UserError
from connector.settings import Settings

console = Console()


class DryRunFormat(str, Enum):
    text = "text"
    markdown = "markdown"


def sync_command(
    full: bool = typer.Option(False, "--full", help="Rescore every contact, not only the changed ones."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Read and score, write nothing; show what would change."),
    out: Optional[Path] = typer.Option(None, "--out", help="With --dry-run: save every change to FILE.csv or FILE.json.", show_default="not saved"),
    once: bool = typer.Option(False, "--once", help="One pass, then exit (what `sync` always does; for schedulers)."),
    portal: Optional[str] = typer.Option(None, "--portal", help="Sync only this portal of LEADSCORE_PORTALS (default: every one)."),
    output: DryRunFormat = typer.Option(DryRunFormat.text, "--format", help="With --dry-run: text (terminal tables) or markdown (to paste in a ticket or pull request)."),
) -> None:
    """Run one sync pass (incremental by default) of every portal. Exits non-zero if one failed."""
    cfg, portals = portals_of(portal)
    if out is not None and not dry_run:
        raise typer.BadParameter("--out goes with --dry-run", param_hint="--out")
    if output is not DryRunFormat.text and not dry_run:
        raise typer.BadParameter("--format goes with --dry-run", param_hint="--format")
    if out is not None and len(portals) > 1:
        raise typer.BadParameter(f"--out saves one portal's changes; fix: add --portal with one of "
                                 f"{', '.join(portals)}", param_hint="--out")
    with _worker_lock(cfg, portals, dry_run) as holds:
        outcomes = [_sync_portal(name if len(portals) > 1 else None, portal_cfg, full, dry_run, out,
                                 markdown=output is DryRunFormat.markdown,
                                 holds=None if holds is None else partial(holds, name))
                    for name, portal_cfg in portals.items()]
    if not all(outcomes):
        raise typer.Exit(1)


def _sync_portal(name: str | None, cfg: Settings, full: bool, dry_run: bool, out: Path | None,
                 *, markdown: bool = False, holds: Callable[[], bool] | None = None) -> bool:
    """One portal's pass and its summary; False when it failed (said on stderr)."""
    from connector.scoring import load_models
    from connector.sync.loop import RunHooks
    from connector.sync.output import (
        ChangeSink, accounts_line, labels_line, print_dry_run, print_notes, stage_line, stats_line,
    )
    from connector.sync.service import sync_once

    said = f"portal {name}: " if name else ""
    sink = None
    try:
        models = load_models(cfg.model_path, named_by="LEADSCORE_MODEL_PATH")
        sink = ChangeSink(out, models.keys) if dry_run else None
        report = sync_once(cfg, full=full, dry_run=dry_run, model=models,
                           hooks=RunHooks(on_change=sink, holds=holds))
    except CrmError as exc:
        report_error(f"{said}sync failed: {exc}")
        return False
    except UserError as exc:
        if name is None:
            raise
        report_error(f"{said}{exc}")
        return False
    finally:
        if sink is not None:
            sink.close()
    if sink is not None:
        if name and markdown:
            print(f"### portal {name}\n")
        elif name:
            console.print(f"[bold]portal {name}[/]")
        print_dry_run(console, report, sink, markdown=markdown)
        return True
    console.print(f"{said}{report.mode} sync done: {stats_line(report.stats, report.duration_s)}; {stage_line(report)}")
    if len(report.tallies) > 1:
        console.print(f"{said}labels by model: {labels_line(report.stats)}")
    print_notes(console, report)
    if accounts_line(report):
        console.print(f"{said}{accounts_line(report)}")
    if report.stats.failed:
        console.print(f"[yellow]{said}{report.stats.failed} contacts were not written; they are kept "
                      "and retried on the next run (see `leadscore status`).[/]")
    return True


@contextmanager
def _worker_lock(cfg: Settings, portals: dict[str, Settings], dry_run: bool
                 ) -> Iterator[Callable[[str], bool] | None]:
    """A pass that writes holds the worker lock (on PostgreSQL: its portals' leases), so it
    never runs beside a worker (or another one-shot job) on the same state; yields whether a
    portal's sync may still write (see `WorkerLock.holds`). A dry run writes nothing and needs
    no lock."""
    if dry_run:
        yield None
        return
    from connector.sync.service import open_store
    from connector.worker.lock import WorkerLock

    with open_store(cfg) as store, WorkerLock(store, wait_seconds=cfg.lock_wait_seconds,
                                              stale_seconds=cfg.lock_stale_seconds,
                                              portals=portals) as lock:
        yield lock.holds


def status_command(
    limit: int = typer.Option(10, "--limit", help="How many runs to show."),
) -> None:
    """Show the last sync runs, the checkpoint and the records (contacts, companies) that
    failed to write."""
    from connector.sync.accounts import ACCOUNTS_SUFFIX
    from connector.sync.output import labels_line, runs_table, warnings_lines
    from connector.sync.service import open_store

    cfg = settings()
    with open_store(cfg) as store:
        runs = store.runs(cfg.portal, limit)
        failed = store.failed(cfg.portal)
        failed_accounts = store.failed(cfg.portal + ACCOUNTS_SUFFIX)
        checkpoint = store.checkpoint(cfg.portal)
    if not runs:
        console.print(f"no sync has run yet for portal {cfg.portal!r}.")
        return
    console.print(runs_table(runs))
    labels = labels_line(runs[0].stats)
    if labels:
        console.print(f"run {runs[0].id}, leads by label: {labels}")
    for run in runs[:3]:
        if run.error:
            console.print(f"run {run.id} ({run.outcome}): {run.error}")
    for line in warnings_lines(runs[0].stats):
        console.print(f"run {runs[0].id}: {line}", markup=False, highlight=False)
    console.print(f"checkpoint: {checkpoint or 'none'}")
    if not failed and not failed_accounts:
        console.print("no failed records.")
        return
    if failed:
        console.print(_failed_table("Failed records", "contact", failed))
    if failed_accounts:
        console.print(_failed_table("Failed companies (accounts)", "company", failed_accounts))


def _failed_table(title: str, noun: str, failed) -> Table:
    table = Table(title=f"{title} ({len(failed)}), retried on the next run")
    for col in (noun, "reason", "attempts", "first failed (UTC)", "last failed (UTC)"):
        table.add_column(col)
    for rec in failed[:50]:
        table.add_row(rec.lead_id, rec.reason, str(rec.attempts),
                      rec.first_failed_at.strftime("%Y-%m-%d %H:%M"),
                      rec.last_failed_at.strftime("%Y-%m-%d %H:%M"))
    return table


def demo_command(
    contacts: int = typer.Option(1000, "--contacts", help="Contacts in the seeded sandbox portal."),
    seed: int = typer.Option(7, "--seed", help="Seed of the generated portal."),
    crm: Optional[str] = typer.Option(None, "--crm", help="hubspot or salesforce (default: LEADSCORE_CRM)."),
) -> None:
    """Start a seeded CRM sandbox, run a full sync against it, show the result, stop it."""
    from connector.extras import require_extra

    require_extra("sandbox", "demo")
    from connector.sandbox.demo import run_demo

    cfg = settings()
    try:
        run_demo(cfg, console, contacts=contacts, seed=seed, crm=crm or cfg.crm)
    except CrmError as exc:
        report_error(f"demo failed: {exc}")
        raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    app.command("sync")(sync_command)
    app.command("status")(status_command)
    app.command("demo")(demo_command)
