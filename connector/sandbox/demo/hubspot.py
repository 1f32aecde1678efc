"""The demo's HubSpot portal: the loopback HubSpot sandbox, seeded, with the settings to reach it,
and one contact shown as a rep sees it in HubSpot."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import SecretStr
from rich.console import Console
from rich.panel import Panel

from connector.sandbox.demo.org import DemoOrg
from connector.sandbox.hubspot import HubSpotSandbox
from connector.settings import Settings

SHOWN = ("firstname", "lastname", "email", "jobtitle", "company", "lifecyclestage")
OURS = ("label", "grade", "fit", "engagement", "model", "scored_at")


@contextmanager
def hubspot_org(settings: Settings, data_dir: Path, *, people: int, seed: int) -> Iterator[DemoOrg]:
    with HubSpotSandbox.start(contacts=people, seed=seed) as sb:
        cfg = settings.model_copy(update={
            "crm": "hubspot", "hubspot_url": sb.url, "hubspot_token": SecretStr(sb.token),
            "state_url": None, "data_dir": data_dir, "portal": "demo",
        })

        def show(console: Console, contact_id: str) -> None:
            prefix = cfg.property_prefix
            reasons = prefix + "reasons"
            shown = [*SHOWN, *(prefix + name for name in OURS)]
            values = sb.contact(contact_id, [*shown, reasons])
            lines = [f"[bold]{name}[/]: {values.get(name) or ''}" for name in shown]
            lines.append(f"[bold]{reasons}[/]:\n  " + (values.get(reasons) or "").replace("\n", "\n  "))
            console.print(Panel("\n".join(lines), title=f"Contact {contact_id} in HubSpot, as a rep sees it"))

        yield DemoOrg("HubSpot", "contacts", cfg, show)
