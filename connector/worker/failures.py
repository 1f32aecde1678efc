"""A failed run says in one line why, and what to do."""

from __future__ import annotations

from connector.errors import UserError
from connector.settings import SettingsError


def explain(exc: BaseException) -> str:
    """One line: the cause and the fix. Errors meant for people (UserError, SettingsError)
    already say both; anything else is a bug or an outage we did not foresee."""
    if isinstance(exc, (UserError, SettingsError)):
        return " ".join(str(exc).split())
    first = " ".join(str(exc).split("\n", 1)[0].split())[:300]
    return (
        f"unexpected {type(exc).__name__}: {first or 'no message'}; "
        "fix: run with LEADSCORE_LOG_LEVEL=DEBUG for the traceback and report it if it persists."
    )
