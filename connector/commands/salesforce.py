"""`leadscore setup salesforce`: check (and with --create, make) the fields leadscore needs."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from connector.errors import UserError

console = Console()


def setup_salesforce(
    create: bool = typer.Option(False, "--create", help="Create leadscore's missing custom fields (Tooling API)."),
) -> None:
    """Check through describe that leadscore's fields exist and the integration user may edit them."""
    from connector.cli import settings
    from connector.crm.salesforce import connect
    from connector.crm.salesforce.schema import FieldCheck

    adapter = connect(settings())
    check = FieldCheck(adapter.client, adapter.config, adapter.reader.objects)
    if create:
        for name in check.create_missing():
            console.print(f"created {name}")
    problems = check.problems()
    table = Table("object", "field", "status")
    for problem in problems:
        table.add_row(problem.sobject, problem.field, problem.what)
    if problems:
        console.print(table)
        raise UserError("Salesforce fields are not ready:\n  " + "\n  ".join(p.message() for p in problems))
    objects = " and ".join(adapter.reader.objects)
    console.print(f"Salesforce is ready: leadscore's fields exist on {objects} and are updateable.")


def register(app: typer.Typer) -> None:
    setup = typer.Typer(help="Prepare a CRM for leadscore.", no_args_is_help=True)
    setup.command("salesforce")(setup_salesforce)
    app.add_typer(setup, name="setup")
