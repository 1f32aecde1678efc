"""`leadscore demo`: a seeded CRM sandbox, a full sync against it, and what came of it.

The sandbox (HubSpot's by default, Salesforce's with `--crm salesforce`) runs in-process on a
loopback port with the real limits; the sync is the same code path as `leadscore sync --full`,
through the CRM registry's adapter and the real hubspot-api-client or simple-salesforce.
"""

from __future__ import annotations

import heapq
import tempfile
from importlib.resources import files
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from connector.crm.registry import open_adapter
from connector.errors import UserError
from connector.sandbox.demo.accounts import show_accounts
from connector.sandbox.demo.hubspot import hubspot_org
from connector.sandbox.demo.salesforce import salesforce_org
from connector.sandbox.demo.tasks import TaskPreview
from connector.scoring import ModelSet, label_of, load_model, load_models
from connector.settings import Settings
from connector.crm.text import format_reasons
from connector.sync.loop import RunHooks
from connector.sync.output import stage_line, stats_line
from connector.sync.service import sync_once

ORGS = {"hubspot": hubspot_org, "salesforce": salesforce_org}

TOP = 10
ENTERPRISE = "enterprise.toml"  # the second model shipped with leadscore (config/models/ links to it)


def _distribution(title: str, counts: Counter, order: tuple[str, ...]) -> Table:
    table = Table(title=title)
    table.add_column(title.split()[0].lower())
    table.add_column("contacts", justify="right")
    table.add_column("share", justify="right")
    total = sum(counts.values()) or 1
    for name in [*order, *sorted(set(counts) - set(order))]:
        if counts.get(name):
            table.add_row(name, str(counts[name]), f"{100 * counts[name] / total:.1f}%")
    return table


def _grade_matrix(grades: Counter, model) -> Table:
    """Contacts by grade: fit bands down, engagement bands across (A1 is best)."""
    table = Table(title="Grades (fit band × engagement band)")
    table.add_column("fit \\ engagement")
    for band in model.engagement_bands:
        table.add_column(band.name, justify="right")
    for fit in model.fit_bands:
        table.add_row(fit.name, *(str(grades.get(fit.name + e.name, 0)) for e in model.engagement_bands))
    return table


# Lifecycle stages past the sale: such a record is a customer, not a lead for sales to call.
CUSTOMER_STAGES = frozenset({"customer", "evangelist"})


def _top_reasons(result, n: int = 5) -> str:
    """The reasons that weigh most, largest first; a bound line ("held at its maximum") is no
    reason and is left out."""
    lines = format_reasons(result).splitlines()
    ranked = sorted(((r, line) for r, line in zip(result.reasons, lines) if not r.bound),
                    key=lambda pair: -abs(pair[0].points))
    return "\n".join(line for _, line in ranked[:n])


def run_demo(settings: Settings, console: Console, *, contacts: int, seed: int, crm: str = "hubspot") -> None:
    open_org = ORGS.get(crm)
    if open_org is None:
        raise UserError(f"--crm {crm}: no sandbox for that CRM; fix: use {' or '.join(ORGS)}.")
    models = demo_models(settings)
    model = models.first  # ranks the hottest leads; the others' scores are shown beside
    rank = {name: i for i, name in enumerate(model.label_names)}
    hottest: list[tuple] = []
    customers = [0]
    console.print(f"starting the {crm} sandbox with {contacts} seeded people (seed {seed}) ...")
    with tempfile.TemporaryDirectory() as tmp, open_org(settings, Path(tmp), people=contacts, seed=seed) as org:
        cfg = org.settings
        now = datetime.now(UTC)
        _set_up(console, cfg, models)
        adapter = open_adapter(cfg, models)
        tasks = TaskPreview(settings.owner_tasks if settings.owner_tasks != "off" else "hot", models,
                            now=now, due_days=settings.owner_task_due_days)

        def keep(record, results) -> None:
            tasks.see(record, results)
            if record.lead.stage in CUSTOMER_STAGES:  # already bought: no lead for sales to call
                customers[0] += 1
                return
            result = results[label_of(model)]
            key = (-rank.get(result.label, len(rank)), result.fit + result.engagement, record.lead.id)
            item = (key, record, results)
            if len(hottest) < TOP:
                heapq.heappush(hottest, item)
            elif key > hottest[0][0]:
                heapq.heapreplace(hottest, item)

        columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task(f"full sync: reading the {org.crm} sandbox ...")

            def on_page(report) -> None:
                s = report.stats
                progress.update(task, description=f"full sync: {s.scored} {org.noun} scored, "
                                f"{s.written} written, {sum(adapter.api_usage().calls.values())} API calls")

            try:
                report = sync_once(cfg, full=True, as_of=now, adapter=adapter, model=models,
                                   hooks=RunHooks(on_result=keep, on_page=on_page))
                floor = adapter.fewest_calls()
            finally:
                adapter.close()

        made = sum(adapter.api_usage().calls.values())
        console.print(f"[bold]Full sync of the {org.crm} sandbox[/]: {stats_line(report.stats, report.duration_s)}")
        console.print(stage_line(report), markup=False)
        console.print(f"API calls: {made} used, {floor} the fewest {org.crm}'s page and batch sizes allow "
                      f"({made / max(floor, 1):.2f}× the minimum)")
        for each in models:
            which = f" ({label_of(each)})" if len(models) > 1 else ""
            console.print(_distribution(f"Label distribution{which}",
                                        report.tallies[label_of(each)].labels, each.label_names))
        console.print(_grade_matrix(report.grades, model))
        top = sorted(hottest, reverse=True)
        console.print(_hottest(top, models, customers[0]))
        if report.accounts is not None:
            show_accounts(console, report.accounts)
        tasks.show(console)
        if top:
            org.show(console, top[0][1].lead.id)


def demo_models(settings: Settings) -> ModelSet:
    """LEADSCORE_MODEL_PATH's models, else the two shipped with leadscore: the default model and
    the enterprise model keyed `enterprise`, so the demo shows two scores."""
    if settings.model_path is not None:
        return load_models(settings.model_path, named_by="LEADSCORE_MODEL_PATH")
    return ModelSet((load_model(None), load_model(str(files("connector.defaults").joinpath(ENTERPRISE)))))


def _set_up(console: Console, cfg: Settings, models: ModelSet) -> None:
    """What `leadscore setup <crm> --create` does before a first sync (on Salesforce, the keyed
    model's fields), through an adapter of its own: the sync's API calls are measured alone."""
    adapter = open_adapter(cfg, models)
    try:
        done = adapter.field_setup(models).create_missing()
    finally:
        adapter.close()
    if done:
        console.print(f"setup: {len(done)} fields created first, as `leadscore setup {cfg.crm} --create` does")


def _hottest(top: list[tuple], models: ModelSet, customers: int) -> Table:
    """The hottest leads by the first model, with every other model's score beside (customers,
    left out, counted in the title)."""
    first, others = models.first, models.models[1:]
    left_out = f" ({customers} customers left out)" if customers else ""
    table = Table(title=f"The {len(top)} hottest leads{left_out}", show_lines=True)
    for col in ("lead", "label", "grade", "fit", "engagement", "why"):
        table.add_column(col)
    for other in others:
        table.add_column(f"{label_of(other)} score")
    for _, record, results in top:
        result = results[label_of(first)]
        name = " ".join(p for p in (record.lead.properties.get("firstname"),
                                    record.lead.properties.get("lastname")) if p)
        title = record.lead.properties.get("jobtitle") or ""
        beside = [f"{r.label} {r.grade}\nfit {r.fit}, engagement {r.engagement}"
                  for r in (results[label_of(o)] for o in others)]
        table.add_row(f"{name or record.lead.id}\n{title}", result.label, result.grade,
                      str(result.fit), str(result.engagement), _top_reasons(result), *beside)
    return table
