"""`leadscore sandbox salesforce`: serve a seeded Salesforce org over HTTPS on loopback."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from connector.commands.invocation import settings
from connector.errors import UserError

console = Console()


def serve_salesforce(
    people: int = typer.Option(5000, "--people", help="People to generate (customers become Contacts)."),
    seed: int = typer.Option(7, "--seed", help="Seed of the generated org."),
    port: int = typer.Option(8766, "--port", help="Port on 127.0.0.1 (0: a free one)."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Where the org is kept (default <data_dir>/salesforce-sandbox)."),
    faults: Optional[str] = typer.Option(None, "--faults", help="Fault profile: none or flaky.", show_default="none"),
) -> None:
    """Serve a seeded Salesforce org over HTTPS until interrupted; prints the settings to reach it."""
    from connector.sandbox.salesforce import SalesforceSandbox

    folder = data_dir or settings().data_dir / "salesforce-sandbox"
    try:
        with console.status(f"seeding {people:,} people (seed {seed}) ..."):
            sandbox = SalesforceSandbox.start(people=people, seed=seed, port=port, data_dir=folder, faults=faults)
    except OSError as exc:
        raise UserError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror}; fix: pass --port 0 or another free "
                        "port.") from None
    except ValueError as exc:
        raise UserError(f"--faults: {exc}") from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"Salesforce sandbox serving {len(sandbox.ids('Lead')):,} leads and {len(sandbox.ids('Contact')):,} "
          f"contacts from {folder}")
    for key, value in sandbox.settings().items():
        print(f"LEADSCORE_{key.upper()}={value}")
    print(f"ready: {sandbox.url}", flush=True)
    stop.wait()
    sandbox.stop()
    print("sandbox stopped", flush=True)


def register(app: typer.Typer) -> None:
    from connector.commands.sandbox import sandbox_app

    sandbox_app.command("salesforce")(serve_salesforce)
