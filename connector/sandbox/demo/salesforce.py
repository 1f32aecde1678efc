"""The demo's Salesforce org: the HTTPS Salesforce sandbox seeded from the shared generator.

`salesforce_org` starts it and points the settings at it (client-credentials auth, its CA
bundle, the Rating picklist on); the demo then runs the same full sync as `leadscore sync
--full` through the real simple-salesforce, and shows one Lead as a rep sees it in Salesforce.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import SecretStr
from rich.console import Console
from rich.panel import Panel

from connector.crm.salesforce.mapping import SCORE_FIELD_NAMES
from connector.sandbox.demo.org import DemoOrg
from connector.sandbox.salesforce import SalesforceSandbox
from connector.settings import Settings

SHOWN = ("FirstName", "LastName", "Email", "Title", "Company", "Status", "Rating")


@contextmanager
def salesforce_org(settings: Settings, data_dir: Path, *, people: int, seed: int) -> Iterator[DemoOrg]:
    with SalesforceSandbox.start(people=people, seed=seed, data_dir=data_dir / "org") as sb:
        org = sb.settings()
        org["salesforce_client_secret"] = SecretStr(org["salesforce_client_secret"])
        cfg = settings.model_copy(update={**org, "state_url": None, "data_dir": data_dir, "portal": "demo",
                                          "salesforce_rating_enabled": True})
        ours = (*SCORE_FIELD_NAMES.values(), cfg.salesforce_stage_field)

        def show(console: Console, lead_id: str) -> None:
            record = sb.record(lead_id) or {}
            reasons = SCORE_FIELD_NAMES["reasons"]
            lines = [f"[bold]{name}[/]: {_shown(record.get(name))}" for name in (*SHOWN, *ours) if name != reasons]
            lines.append(f"[bold]{reasons}[/]:\n  " + (record.get(reasons) or "").replace("\n", "\n  "))
            console.print(Panel("\n".join(lines), title=f"Lead {lead_id} in Salesforce, as a rep sees it"))
        yield DemoOrg("Salesforce", "leads", cfg, show)


def _shown(value: object) -> str:
    """As Salesforce's page shows a value: 82 for a Number(6, 0) that the API sends as 82.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)
