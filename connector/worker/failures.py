"""A failed run says in one line why, and what to do."""

from __future__ import annotations

import re

from connector.errors import UserError
from connector.settings import ENV_PREFIX, WORKER_WIDE, Settings, SettingsError, portal_env_prefix

_SETTING = re.compile(re.escape(ENV_PREFIX) + r"([A-Z0-9_]+)")


def explain(exc: BaseException, portal: str | None = None) -> str:
    """One line: the cause and the fix. Errors meant for people (UserError, SettingsError)
    already say both; anything else is a bug or an outage we did not foresee. With `portal` (one
    of several listed in LEADSCORE_PORTALS) the settings named are that portal's own."""
    if isinstance(exc, (UserError, SettingsError)):
        line = " ".join(str(exc).split())
        return line if portal is None else _for_portal(line, portal)
    first = " ".join(str(exc).split("\n", 1)[0].split())[:300]
    return (
        f"unexpected {type(exc).__name__}: {first or 'no message'}; "
        "fix: run with LEADSCORE_LOG_LEVEL=DEBUG for the traceback and report it if it persists."
    )


def _for_portal(line: str, portal: str) -> str:
    def own(match: re.Match[str]) -> str:
        name = match.group(1).lower()
        if name in Settings.model_fields and name not in WORKER_WIDE:
            return portal_env_prefix(portal) + match.group(1)
        return match.group(0)

    return _SETTING.sub(own, line)
