"""`leadscore setup hubspot|salesforce`: check (and with --create, make) the fields leadscore
needs, through the adapter's field-setup capability."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from connector.commands.invocation import settings
from connector.errors import UserError

console = Console()


def _setup(crm: str, create: bool) -> None:
    """Check leadscore's fields in `crm` through its adapter's field setup; create the missing
    ones first with `create`."""
    from connector.commands.scoring import chosen_models
    from connector.crm.registry import open_adapter

    cfg = settings().model_copy(update={"crm": crm})
    model = chosen_models(None, None)  # every model of LEADSCORE_MODEL_PATH: its fields
    adapter = open_adapter(cfg, model)
    try:
        fields = adapter.field_setup(model)
        if create:
            for line in fields.create_missing():
                console.print(line)
        problems = fields.problems()
        if problems:
            table = Table("field", "status")
            for problem in problems:
                table.add_row(problem.where, problem.what)
            console.print(table)
            raise UserError(f"{adapter.title} fields are not ready:\n  "
                            + "\n  ".join(p.message for p in problems))
        console.print(fields.ready())
    finally:
        adapter.close()


def setup_salesforce(
    create: bool = typer.Option(False, "--create", help="Create leadscore's missing custom fields (Tooling API)."),
) -> None:
    """Check through describe that leadscore's fields exist and the integration user may edit them."""
    _setup("salesforce", create)


def setup_hubspot(
    create: bool = typer.Option(False, "--create", help="Create leadscore's missing contact properties and options."),
) -> None:
    """Check that leadscore's contact properties exist with the right types and the model's options."""
    _setup("hubspot", create)


def register(app: typer.Typer) -> None:
    setup = typer.Typer(help="Prepare a CRM for leadscore.", no_args_is_help=True)
    setup.command("hubspot")(setup_hubspot)
    setup.command("salesforce")(setup_salesforce)
    app.add_typer(setup, name="setup")
