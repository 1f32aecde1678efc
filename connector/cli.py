"""The `leadscore` command line.

Each area of the package registers its commands here; the commands themselves live beside
the code they drive, so this module stays a table of contents.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.text import Text

from connector.errors import UserError
from connector.settings import Settings, SettingsError, load_settings

app = typer.Typer(
    name="leadscore",
    help="Score CRM leads from a version-controlled model and write the scores back.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True, soft_wrap=True)


class State:
    env_file: Optional[Path] = None


def settings(**overrides: object) -> Settings:
    """The settings for this invocation (env + env file), with command-line overrides."""
    return load_settings(State.env_file, **{k: v for k, v in overrides.items() if v is not None})


@app.callback()
def _root(
    env_file: Optional[Path] = typer.Option(
        None, "--env-file", help="Read settings from this env file (default: .env if present)."
    ),
) -> None:
    State.env_file = env_file


def _register() -> None:
    from connector.commands import register_all

    register_all(app)


def main() -> None:
    _register()
    try:
        # Without standalone mode click returns a command's `typer.Exit(code)` instead of exiting.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code != 0:
            sys.exit(code)
    except (UserError, SettingsError) as exc:
        err_console.print(Text("error: ", style="bold red") + Text(str(exc)))
        sys.exit(1)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # usage errors (unknown option, bad value) in non-standalone mode
        exc.show()
        sys.exit(getattr(exc, "exit_code", 2))
