"""The demo's companies (accounts): the hottest ones with the contacts that contribute most, and
the API calls their pass used."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from connector.sync.accounts import AccountReport

CONTACTS_SHOWN = 3


def show_accounts(console: Console, report: AccountReport) -> None:
    console.print(f"[bold]Accounts[/]: {report.read} scored, {report.written} written, "
                  f"{sum(report.calls.values())} API calls for them after the contacts (batch reads of "
                  "associations, accounts and contacts' scores; batch writes)")
    table = Table(title=f"The {len(report.top)} hottest accounts and who makes them hot", show_lines=True)
    for col in ("account", "label", "grade", "fit", "engagement", "contributing contacts (engagement)"):
        table.add_column(col)
    for scored in report.top:
        result = scored.result
        contacts = "\n".join(f"{c.name} ({c.engagement})" for c in scored.contributions[:CONTACTS_SHOWN])
        more = scored.contributors - CONTACTS_SHOWN
        if more > 0:
            contacts += f"\n+{more} more"
        table.add_row(scored.record.account.name, result.label, result.grade, str(result.fit),
                      str(result.engagement), contacts)
    console.print(table)
