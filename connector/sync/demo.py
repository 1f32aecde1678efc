"""`leadscore demo`: a seeded CRM sandbox, a full sync against it, and what came of it.

The sandbox (HubSpot's by default, Salesforce's with `--crm salesforce`: demo_salesforce.py)
runs in-process on a loopback port with the real limits; the sync is the same code path as
`leadscore sync --full`, through the real hubspot-api-client or simple-salesforce.
"""

from __future__ import annotations

import heapq
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr
from rich.console import Console
from rich.panel import Panel
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from connector.errors import UserError
from connector.settings import Settings
from connector.sync.diff import format_reasons
from connector.sync.output import stats_line

TOP = 10


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


def _top_reasons(result, n: int = 5) -> str:
    """The reasons that weigh most, largest first."""
    lines = format_reasons(result).splitlines()
    ranked = sorted(zip(result.reasons, lines), key=lambda pair: -abs(pair[0].points))
    return "\n".join(line for _, line in ranked[:n])


@dataclass(frozen=True)
class DemoOrg:
    """One CRM's sandbox as the demo uses it: settings pointed at it, the floor of API calls for
    the work done, a way to show one record as a rep sees it."""

    crm: str  # as people write it: HubSpot, Salesforce
    noun: str  # what it calls its leads: contacts, leads
    settings: Settings
    floor: Callable[[Any], int]  # adapter -> the fewest calls its page and batch sizes allow
    show: Callable[[Console, str], None]  # one record, by id
    close: Callable[[Any], None]  # adapter -> close its keep-alive connections


@contextmanager
def hubspot_org(settings: Settings, data_dir: Path, *, people: int, seed: int) -> Iterator[DemoOrg]:
    from connector.crm.hubspot.floor import floor_calls
    from connector.sandbox.hubspot import HubSpotSandbox

    with HubSpotSandbox.start(contacts=people, seed=seed) as sb:
        cfg = settings.model_copy(update={
            "crm": "hubspot", "hubspot_url": sb.url, "hubspot_token": SecretStr(sb.token),
            "state_url": None, "data_dir": data_dir, "portal": "demo",
        })
        names: dict[str, str] = {}

        def floor(adapter) -> int:  # noqa: ANN001 (HubSpotAdapter)
            names.update(adapter.names)
            return floor_calls(adapter.api_usage().calls, adapter.client.items)

        yield DemoOrg("HubSpot", "contacts", cfg, floor, lambda console, cid: _show_record(console, sb, cid, names),
                      lambda adapter: adapter.client.close())


def run_demo(settings: Settings, console: Console, *, contacts: int, seed: int, crm: str = "hubspot") -> None:
    from connector.scoring import load_model
    from connector.sync.service import make_adapter, sync_once

    if crm == "salesforce":
        from connector.sync.demo_salesforce import salesforce_org as open_org
    elif crm == "hubspot":
        open_org = hubspot_org
    else:
        raise UserError(f"--crm {crm}: no sandbox for that CRM; fix: use hubspot or salesforce.")
    model = load_model(settings.model_path, named_by="LEADSCORE_MODEL_PATH")
    rank = {name: i for i, name in enumerate(model.label_names)}
    hottest: list[tuple] = []
    console.print(f"starting the {crm} sandbox with {contacts} seeded people (seed {seed}) ...")
    with tempfile.TemporaryDirectory() as tmp, open_org(settings, Path(tmp), people=contacts, seed=seed) as org:
        cfg = org.settings
        now = datetime.now(UTC)
        adapter = make_adapter(cfg, model)

        def keep(record, result) -> None:
            key = (-rank.get(result.label, len(rank)), result.fit + result.engagement, record.lead.id)
            item = (key, record, result)
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

            report = sync_once(cfg, full=True, now=now, on_result=keep, on_page=on_page,
                               adapter=adapter, model=model)

        floor = org.floor(adapter)
        made = sum(adapter.api_usage().calls.values())
        console.print(f"[bold]Full sync of the {org.crm} sandbox[/]: {stats_line(report.stats, report.duration_s)}")
        console.print(f"API calls: {made} used, {floor} the fewest {org.crm}'s page and batch sizes allow "
                      f"({made / max(floor, 1):.2f}× the minimum)")
        console.print(_distribution("Label distribution", report.labels, model.label_names))
        console.print(_grade_matrix(report.grades, model))

        top = sorted(hottest, reverse=True)
        table = Table(title=f"The {len(top)} hottest leads", show_lines=True)
        for col in ("lead", "label", "grade", "fit", "engagement", "why"):
            table.add_column(col)
        for _, record, result in top:
            name = " ".join(p for p in (record.lead.properties.get("firstname"),
                                        record.lead.properties.get("lastname")) if p)
            title = record.lead.properties.get("jobtitle") or ""
            table.add_row(f"{name or record.lead.id}\n{title}", result.label, result.grade,
                          str(result.fit), str(result.engagement), _top_reasons(result))
        console.print(table)
        org.close(adapter)
        if top:
            org.show(console, top[0][1].lead.id)


def _show_record(console: Console, sb, contact_id: str, names: dict[str, str]) -> None:
    shown = ["firstname", "lastname", "email", "jobtitle", "company", "lifecyclestage",
             *(names[f] for f in ("label", "grade", "fit", "engagement", "model", "scored_at", "reasons"))]
    values = sb.contact(contact_id, shown)
    lines = [f"[bold]{name}[/]: {values.get(name) or ''}" for name in shown if name != names["reasons"]]
    lines.append(f"[bold]{names['reasons']}[/]:\n  " + (values.get(names["reasons"]) or "").replace("\n", "\n  "))
    console.print(Panel("\n".join(lines), title=f"Contact {contact_id} in HubSpot, as a rep sees it"))
