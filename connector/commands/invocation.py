"""One `leadscore` invocation: its settings, loaded once, and the logging set up from them.

The CLI's root callback calls `start` before any command runs; commands call `settings()` and
never import `connector.cli` (which imports them). A settings error is kept and raised by the
first `settings()` call, so `--help` and the commands that need no setting (`validate FILE`)
still work beside a broken env file, while the logging is set up either way: every secret
variable set (shared or per portal, valid or not) is redacted from every line, traceback included.
"""

from __future__ import annotations

import logging
import threading
import typing
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.text import Text

from connector.errors import UserError
from connector.observability.logging import REDACTOR, configure_logging
from connector.settings import (
    ENV_PREFIX,
    Settings,
    SettingsError,
    environment_variables,
    load_portals,
    load_settings,
    portal_names,
    secrets_in,
    unknown_variables,
)

log = logging.getLogger("connector.cli")
_err_console = Console(stderr=True, soft_wrap=True)


@dataclass
class _Invocation:
    env_file: Path | None = None
    settings: Settings | None = None
    error: SettingsError | None = None
    json: bool = False


_current = _Invocation()


def start(env_file: Path | None) -> None:
    """Load the settings, set up logging from them and warn about misspelt variables."""
    global _current
    variables = environment_variables(env_file)
    current = _Invocation(env_file=env_file)
    try:
        current.settings = load_settings(env_file)
    except SettingsError as exc:
        current.error = exc
    level, fmt = _logging_choice(current.settings, variables)
    secrets = secrets_in(variables) + (current.settings.secret_values() if current.settings else [])
    configure_logging(level, fmt, secrets=secrets)
    current.json = fmt == "json"
    threading.excepthook = _log_thread_exception
    _current = current
    portals = portal_names(current.settings) if current.settings and current.settings.portals else []
    for message in unknown_variables(variables, portals):
        log.warning("%s; it is ignored", message)


def settings(**overrides: object) -> Settings:
    """The settings for this invocation (env + env file), with command-line overrides (None: not
    given). Raises the SettingsError the invocation's settings failed with."""
    given = {k: v for k, v in overrides.items() if v is not None}
    if _current.error is not None:
        raise _current.error
    if _current.settings is not None and not given:
        return _current.settings
    return load_settings(_current.env_file, **given)


def portals_of(only: str | None) -> tuple[Settings, dict[str, Settings]]:
    """The shared settings and each portal's (LEADSCORE_PORTALS, LEADSCORE_PORTAL_<NAME>_*), keyed
    by the portal's name in the state store; `only`: just that one (`--portal NAME`)."""
    from connector.worker.portal import portal_settings

    base = settings()
    portals = portal_settings(base, load_portals(base, _current.env_file))
    if only is None:
        return base, portals
    if only.lower() not in portals:
        raise UserError(f"--portal {only}: no such portal (these are: {', '.join(portals)}); fix: "
                        f"name one of them, or list it in {ENV_PREFIX}PORTALS.")
    return base, {only.lower(): portals[only.lower()]}


def report_error(message: str) -> None:
    """A failure the person (or the log collector) must act on, on stderr and redacted: a log
    record when LEADSCORE_LOG_FORMAT=json (every stderr line stays JSON for the collector), else
    `error: ...` for a person, also with `auto` in a pipe or CI."""
    if _current.json:
        log.error("%s", message)
    else:
        _err_console.print(Text("error: ", style="bold red") + Text(REDACTOR.text(message)))


def report_crash() -> None:
    """An unexpected exception: its traceback goes through the log, so it is redacted too."""
    log.critical("leadscore stopped on an unexpected error; please report it with this log",
                 exc_info=True)


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    log.critical("thread %s stopped on an unexpected error", getattr(args.thread, "name", "?"),
                 exc_info=(args.exc_type, args.exc_value, args.exc_traceback))  # type: ignore[arg-type]


def _logging_choice(settings: Settings | None, variables: dict[str, str]) -> tuple[str, str]:
    """The settings' level and format; with settings that failed to load, the two variables as
    given when they are valid (the error itself is then logged in the format asked for)."""
    if settings is not None:
        return settings.log_level, settings.log_format
    level = variables.get(ENV_PREFIX + "LOG_LEVEL", "").strip().upper()
    fmt = variables.get(ENV_PREFIX + "LOG_FORMAT", "").strip().lower()
    return (level if level in _choices("log_level") else "INFO",
            fmt if fmt in _choices("log_format") else "auto")


def _choices(field: str) -> tuple[str, ...]:
    return typing.get_args(Settings.model_fields[field].annotation)
