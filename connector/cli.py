"""The `leadscore` command line: the app, its global options, the one logging setup (in the root
callback, before any command) and the errors a person sees.

The commands live in connector/commands/, beside the code they drive, and take their settings
from `connector.commands.invocation`; this module imports them, never the other way round, so it
stays a table of contents.
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Optional

import typer
from typer import _click as click
from typer.core import TyperGroup

from connector.commands import backtest, compare, invocation, salesforce, sandbox, scoring, setup, sync, worker
from connector.errors import UserError
from connector.settings import SettingsError

COMMANDS = (scoring, sandbox, sync, backtest, compare, setup, salesforce, worker)

class _Group(TyperGroup):
    """The app's command group. A flag takes no value, so its help shows no type: typer 0.29
    labels every option with its type, a flag (and `--help`) as `<bool>`; this clears that label
    on every flag of every command below the app, once, when the group is built."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _untype_flags(self)


def _untype_flags(command: click.Command) -> None:
    for param in command.params:
        if getattr(param, "is_flag", False):
            param.metavar = ""
    made = command.get_help_option

    def help_option(ctx: click.Context) -> click.Option | None:
        option = made(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = help_option  # type: ignore[method-assign]
    for sub in getattr(command, "commands", {}).values():
        _untype_flags(sub)


app = typer.Typer(
    name="leadscore",
    cls=_Group,
    help="Score CRM leads from a version-controlled model and write the scores back.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _show_version(wanted: bool) -> None:
    if wanted:
        try:
            typer.echo(f"leadscore {version('leadscore')}")
        except PackageNotFoundError:  # run from a source tree that was never installed
            typer.echo("leadscore (not installed: no version)")
        raise typer.Exit()


@app.callback()
def _root(
    env_file: Optional[Path] = typer.Option(
        None, "--env-file", help="Read settings from this env file (default: .env if present)."
    ),
    _version: bool = typer.Option(
        False, "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    invocation.start(env_file)


def _register() -> None:
    for module in COMMANDS:
        module.register(app)


def main() -> None:
    _register()
    try:
        # Without standalone mode click returns a command's `typer.Exit(code)` instead of exiting.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code != 0:
            sys.exit(code)
    except (UserError, SettingsError) as exc:
        invocation.report_error(str(exc))
        sys.exit(1)
    except typer.Abort:
        invocation.report_error("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:  # usage errors (unknown option, bad value) in non-standalone mode
        exc.show()
        sys.exit(getattr(exc, "exit_code", 2))
    except Exception:  # a bug: the traceback goes through the redacting log, never raw to stderr
        invocation.report_crash()
        sys.exit(1)
